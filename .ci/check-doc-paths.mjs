#!/usr/bin/env node
// Every repository path the docs name must exist: backticked paths under the project's own
// folders (`functions/api/handler.ts`, `docs/local.md#section`) and relative Markdown links.
// Paths with placeholders or globs (`functions/<name>/`, `migrations/*.sql`) are patterns, not files.
// Plain JavaScript with no dependencies: it runs before anything is installed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['functions', 'shared', 'infra', 'local', 'test', 'bench', 'migrations', 'docs', 'schemas', '.ci', '.github'];
const BACKTICKED = new RegExp(`\`((?:${FOLDERS.map((f) => f.replace('.', '\\.')).join('|')})/[^\`\\s]*)\``, 'g');
const LINK = /\]\(([^)\s]+)\)/g;
const PATTERN = /[<>*{}…]|\.\.\./;

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

/** `infra/app.ts:12`, `docs/local.md#x`, `functions/api/handler.ts),` → the file part. */
const fileOf = (path) => path.replace(/[#:].*$/, '').replace(/[.,;)]+$/, '');

const missing = [];
for (const doc of docs) {
  const text = readFileSync(join(root, doc), 'utf8');
  for (const [, path] of text.matchAll(BACKTICKED)) {
    if (PATTERN.test(path)) continue;
    const file = fileOf(path);
    if (!existsSync(join(root, file))) missing.push(`${doc}: \`${path}\` does not exist`);
  }
  for (const [, target] of text.matchAll(LINK)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#') || PATTERN.test(target)) continue;
    const file = fileOf(target);
    if (!existsSync(join(root, dirname(doc), file))) {
      missing.push(`${doc}: link to ${relative(root, join(root, dirname(doc), file))} does not exist`);
    }
  }
}

if (missing.length > 0) {
  for (const line of missing) console.error(line);
  console.error(`${missing.length} path(s) named by the docs do not exist`);
  process.exit(1);
}
console.log(`docs: every path named in ${docs.length} files exists`);

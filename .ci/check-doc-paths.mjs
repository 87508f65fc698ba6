#!/usr/bin/env node
// Every repository path the docs name must exist: backticked paths under the project's own
// folders (`functions/api/handler.ts`, `docs/local.md#section`) and relative Markdown links; and
// every such path a comment in the source names, backticked or not (`// see docs/api.md`).
// Paths with placeholders or globs (`functions/<name>/`, `migrations/*.sql`) are patterns, not files.
// Plain JavaScript with no dependencies: it runs before anything is installed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['functions', 'shared', 'infra', 'local', 'test', 'bench', 'migrations', 'docs', 'schemas', '.ci', '.github'];
const BACKTICKED = new RegExp(`\`((?:${FOLDERS.map((f) => f.replace('.', '\\.')).join('|')})/[^\`\\s]*)\``, 'g');
const LINK = /\]\(([^)\s]+)\)/g;
/** A path under one of FOLDERS anywhere in a comment: not part of a longer path or a URL. */
const IN_COMMENT = new RegExp(`(?<![\\w./:@-])((?:${FOLDERS.map((f) => f.replace('.', '\\.')).join('|')})/[\\w./<>*{}…-]*[\\w/*>}])`, 'g');
/** Block and line comments (a `//` inside a string counts too: harmless, it only adds text to check). */
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED = new Set(['node_modules', 'cdk.out', 'dist', '.local', 'coverage']);
const PATTERN = /[<>*{}…]|\.\.\./;

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

/** `infra/app.ts:12`, `docs/local.md#x`, `functions/api/handler.ts),` → the file part. */
const fileOf = (path) => path.replace(/[#:].*$/, '').replace(/[.,;)]+$/, '');

/** Source files under FOLDERS and at the root, build output and dependencies left out. */
function sources(folder = '.') {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = folder === '.' ? entry.name : join(folder, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED.has(entry.name) || (folder === '.' && !FOLDERS.includes(entry.name))) return [];
      return sources(path);
    }
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

const missing = [];
for (const file of sources()) {
  const text = readFileSync(join(root, file), 'utf8');
  for (const [comment] of text.matchAll(COMMENT)) {
    for (const [, path] of comment.matchAll(IN_COMMENT)) {
      if (PATTERN.test(path)) continue;
      if (!existsSync(join(root, fileOf(path)))) missing.push(`${file}: a comment names \`${path}\`, which does not exist`);
    }
  }
}
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
  console.error(`${missing.length} path(s) named by the docs or source comments do not exist`);
  process.exit(1);
}
console.log(`docs: every path named in ${docs.length} docs and in the comments of ${sources().length} source files exists`);

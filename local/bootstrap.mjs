#!/usr/bin/env node
// Runs a project command under Node 24 with the project's dependencies installed.
// Plain JavaScript with no dependencies on purpose: it must run on whatever Node the
// machine has (Node 20 here) before anything is installed.
//   node local/bootstrap.mjs <command> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_NODE_MAJOR = 24;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools');
const toolsBin = join(toolsDir, 'node_modules', '.bin');

const majorOf = (version) => Number.parseInt(String(version).replace(/^v/, ''), 10);

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    log(`"${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

/** Directory holding a Node >= 24 binary: the current one, or one installed from the npm registry's `node` package. */
function ensureNode(env) {
  if (majorOf(process.versions.node) >= REQUIRED_NODE_MAJOR) return dirname(process.execPath);
  const local = join(toolsBin, 'node');
  if (existsSync(local)) {
    const probe = spawnSync(local, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0 && majorOf(probe.stdout) >= REQUIRED_NODE_MAJOR) return toolsBin;
  }
  log(`Node ${process.versions.node} is older than ${REQUIRED_NODE_MAJOR}: installing node@${REQUIRED_NODE_MAJOR} into .tools/`);
  run('npm', ['install', '--prefix', toolsDir, '--no-audit', '--no-fund', '--no-save', `node@${REQUIRED_NODE_MAJOR}`], env);
  return toolsBin;
}

/** Installs the dependencies when node_modules is missing or older than the lock file. */
function ensureDependencies(env) {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const fresh = existsSync(installed) && (!existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  log('installing dependencies (npm ci)');
  run('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], env);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  log('usage: node local/bootstrap.mjs <command> [args...]');
  process.exit(2);
}

const env = { ...process.env };
const nodeDir = ensureNode(env);
env.PATH = [nodeDir, join(root, 'node_modules', '.bin'), env.PATH].join(':');
ensureDependencies(env);

const child = spawn(command, args, { cwd: process.cwd(), env, stdio: 'inherit' });
// Ctrl+C reaches the child directly (same process group); forwarding SIGINT too would send it twice.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

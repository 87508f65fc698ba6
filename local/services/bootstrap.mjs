#!/usr/bin/env node
// Runs a project command under Node 24 with the project's dependencies installed.
// Plain JavaScript with no dependencies on purpose: it must run on whatever Node the
// machine has (Node 20 here) before anything is installed.
//   node local/services/bootstrap.mjs <command> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_NODE_MAJOR = 24;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = join(root, '.tools');
const toolsBin = join(toolsDir, 'node_modules', '.bin');

const majorOf = (version) => Number.parseInt(String(version).replace(/^v/, ''), 10);

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.error) {
    log(`could not run "${command}" (${result.error.code ?? result.error.message}): install Node.js with npm and try again`);
    process.exit(1);
  }
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
  log('usage: node local/services/bootstrap.mjs <command> [args...]');
  process.exit(2);
}

const env = { ...process.env };
const nodeDir = ensureNode(env);
env.PATH = [nodeDir, join(root, 'node_modules', '.bin'), env.PATH].join(':');
ensureDependencies(env);

// The command runs in its own process group, so that a terminal's Ctrl+C reaches it once, from
// here, whether the signal came from the terminal, from npm (which forwards it too) or from a
// `kill` of npm alone. Repeats within two seconds are the same Ctrl+C delivered twice; a later one
// is forwarded again (a second Ctrl+C forces the command to quit).
const child = spawn(command, args, { cwd: process.cwd(), env, stdio: 'inherit', detached: true });
child.on('error', (error) => {
  log(`could not run "${command}" (${error.code ?? error.message}): run \`npm ci\` and try again`);
  process.exit(1);
});
const lastForwarded = new Map();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const now = Date.now();
    if (now - (lastForwarded.get(signal) ?? 0) < 2_000) return;
    lastForwarded.set(signal, now);
    child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

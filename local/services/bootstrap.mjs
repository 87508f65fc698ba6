#!/usr/bin/env node
// Runs a project command under Node 24 with the project's dependencies installed.
// Plain JavaScript with no dependencies on purpose: it must run on whatever Node the
// machine has (Node 20 here) before anything is installed.
//   node local/services/bootstrap.mjs <command> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

function run(command, args, env, cwd = root) {
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
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

/**
 * The install prefix of the Node in `nodeDir` when it ships its C headers, as a Node installed from a release
 * and the registry's `node` package (in its platform package) do. Native builds (aws-lambda-ric) then compile
 * against them rather than downloading them, which would need more than a package registry, or than whatever
 * an npm configuration's `nodedir` names.
 */
function nodeHeaders(nodeDir) {
  const binary = join(nodeDir, 'node');
  if (!existsSync(binary)) return undefined;
  const prefix = dirname(dirname(realpathSync(binary)));
  return [prefix, join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`)].find((candidate) =>
    existsSync(join(candidate, 'include', 'node', 'node_version.h')),
  );
}

/** Installs the dependencies when node_modules is missing or older than the lock file, native builds against `nodeDir`'s Node. */
function ensureDependencies(commandEnv, nodeDir) {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const fresh = existsSync(installed) && (!existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  const headers = commandEnv.npm_config_nodedir ?? nodeHeaders(nodeDir);
  const env = headers ? { ...commandEnv, npm_config_nodedir: headers } : commandEnv;
  const install = [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'];
  if (!/\s/.test(root)) {
    log('installing dependencies (npm ci)');
    run('npm', install, env);
    return;
  }
  // libtool, which aws-lambda-ric's native build uses, cannot build under a path with whitespace:
  // install without install scripts, run the others in place and build that one elsewhere.
  log('installing dependencies (npm ci); the path has whitespace, so aws-lambda-ric is built in a temporary folder');
  run('npm', [...install, '--ignore-scripts'], env);
  const scripted = Object.entries(JSON.parse(readFileSync(lock, 'utf8')).packages ?? {})
    .filter(([path, entry]) => entry.hasInstallScript && path !== 'node_modules/aws-lambda-ric' && existsSync(join(root, path)))
    .map(([path]) => path.replace(/^node_modules\//, ''));
  if (scripted.length > 0) run('npm', ['rebuild', ...scripted], env);
  buildLambdaRicOutside(env);
}

/** Builds aws-lambda-ric's native client (rapid-client.node) in a temporary folder and copies it into node_modules. */
function buildLambdaRicOutside(env) {
  const installed = join(root, 'node_modules', 'aws-lambda-ric');
  if (!existsSync(installed)) return;
  const work = mkdtempSync(join(tmpdir(), 'aws-lambda-ric-'));
  if (/\s/.test(work)) {
    log(`the temporary folder ${work} has whitespace too: set TMPDIR to a folder without and try again`);
    process.exit(1);
  }
  const copy = join(work, 'aws-lambda-ric');
  cpSync(installed, copy, { recursive: true });
  // The headers its binding.gyp requires, copied too: a path to them would have the whitespace again.
  cpSync(join(root, 'node_modules', 'node-addon-api'), join(work, 'node_modules', 'node-addon-api'), { recursive: true });
  // Node's own headers, likewise, through a link whose path has none.
  const buildEnv = { ...env };
  if (env.npm_config_nodedir && /\s/.test(env.npm_config_nodedir)) {
    buildEnv.npm_config_nodedir = join(work, 'node');
    symlinkSync(env.npm_config_nodedir, buildEnv.npm_config_nodedir);
  }
  run('sh', ['scripts/preinstall.sh'], buildEnv, copy);
  run('sh', ['scripts/postinstall.sh'], buildEnv, copy);
  copyFileSync(join(copy, 'rapid-client.node'), join(installed, 'rapid-client.node'));
  rmSync(work, { recursive: true, force: true });
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  log('usage: node local/services/bootstrap.mjs <command> [args...]');
  process.exit(2);
}

const env = { ...process.env };
const nodeDir = ensureNode(env);
env.PATH = [nodeDir, join(root, 'node_modules', '.bin'), env.PATH].join(':');
ensureDependencies(env, nodeDir);

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

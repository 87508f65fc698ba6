/**
 * The project's LocalStack virtual environment (.tools/localstack, or LOCALSTACK_VENV): created
 * with a Python found by python.ts and filled from the locked requirements.txt by pip. A stamp
 * (the lock file's hash and the Python version) marks a finished install, so it is done again
 * only when the lock file or the Python changes. Two installs at once (npm start and the tests)
 * take turns under flock(1); the kernel releases that lock when its holder dies.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LocalSetupError, telltaleLine } from '../setup-error.js';
import { findPython, PART } from './python.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const REQUIREMENTS = join(import.meta.dirname, 'requirements.txt');

/** Where the virtual environment lives: LOCALSTACK_VENV, or .tools/localstack of the checkout. */
export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOCALSTACK_VENV || join(ROOT, '.tools', 'localstack'));
}

export const venvBin = (venv: string, program: string): string => join(venv, 'bin', program);

const STAMP_FILE = '.order-pipeline-installed';

function stampFor(pythonVersion: string): string {
  return `${createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex')} python ${pythonVersion}`;
}

/** The installed stamp of a ready environment (its Python's version comes from the environment itself). */
function isCurrent(venv: string): boolean {
  const python = venvBin(venv, 'python');
  if (!existsSync(python) || !existsSync(join(venv, STAMP_FILE))) return false;
  const run = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  return run.status === 0 && readFileSync(join(venv, STAMP_FILE), 'utf8') === stampFor(run.stdout.trim());
}

// Checked again under the lock: the other installer may have finished meanwhile.
const INSTALL = `set -e
python=$1 venv=$2 requirements=$3 stamp=$4
if [ -f "$venv/${STAMP_FILE}" ] && [ "$(cat "$venv/${STAMP_FILE}")" = "$stamp" ]; then exit 0; fi
if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ] && [ -n "$(ls -A "$venv")" ]; then
  echo "error: $venv is not a virtual environment, so it is not replaced" >&2; exit 3
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$requirements"
printf '%s' "$stamp" > "$venv/${STAMP_FILE}"`;

/** Runs the install script (under flock when the machine has it); resolves with its exit code and output. */
function runInstall(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const lock = `${args[1]}.lock`;
  const script = ['/bin/sh', '-c', INSTALL, 'install-localstack', ...args];
  const [command, ...rest] = spawnSync('flock', ['--version']).status === 0 ? ['flock', lock, ...script] : script;
  return new Promise((resolveRun) => {
    const child = spawn(command!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error) => resolveRun({ code: null, output: `${output}\nerror: ${error.message}` }));
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

/**
 * The virtual environment, installed if it is missing or out of date (`onInstall` is told before
 * the slow part). Throws a LocalSetupError when no suitable Python exists or pip fails.
 */
export async function ensureVenv({
  env = process.env,
  onInstall,
}: {
  env?: NodeJS.ProcessEnv;
  onInstall?: (venv: string) => void;
} = {}): Promise<string> {
  const venv = venvDir(env);
  if (isCurrent(venv)) return venv;
  const python = findPython(env);
  onInstall?.(venv);
  await mkdir(dirname(venv), { recursive: true });
  const { code, output } = await runInstall([python.path, venv, REQUIREMENTS, stampFor(python.version)], env);
  if (code === 0) return venv;
  throw new LocalSetupError(
    PART,
    `installing its Python packages into ${venv} failed (${telltaleLine(output)})`,
    'check the connection to the package index (pip, PIP_INDEX_URL) and run again; a half-made environment is rebuilt',
  );
}

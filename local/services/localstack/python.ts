/**
 * Finds a Python that can run LocalStack's runtime: PYTHON if set (and then only it), else
 * python3.14 / python3.13 on PATH, else pyenv's installed versions. LocalStack 2026.3 imports
 * `warnings.deprecated`, which Python 3.13 added: on 3.12 its runtime finds "No component
 * plugins", on 3.11 its stores fail with a syntax error.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LocalSetupError } from '../setup-error.js';

export const PART = 'LocalStack';
export const MINIMUM_PYTHON: readonly [number, number] = [3, 13];
const MINIMUM = MINIMUM_PYTHON.join('.');
const HOW_TO_GET_ONE = `install Python ${MINIMUM} or newer (e.g. \`pyenv install ${MINIMUM}\`, or your system's python${MINIMUM} package) and set PYTHON to it`;

export interface FoundPython {
  path: string;
  version: string;
}

/** The version `path` reports, or undefined when it does not run. */
function versionOf(path: string): string | undefined {
  const run = spawnSync(path, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 15_000 });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

const isRecentEnough = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor >= MINIMUM_PYTHON[1]);
};

/** pyenv's installed CPython versions, newest first. */
function pyenvPythons(env: NodeJS.ProcessEnv): string[] {
  const versions = join(env.PYENV_ROOT || join(homedir(), '.pyenv'), 'versions');
  let names: string[];
  try {
    names = readdirSync(versions).filter((name) => /^\d+\.\d+\.\d+$/.test(name));
  } catch {
    return [];
  }
  const key = (name: string) => name.split('.').map(Number) as [number, number, number];
  names.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  });
  return names.map((name) => join(versions, name, 'bin', 'python3'));
}

/** The Python to build LocalStack's virtual environment with; a LocalSetupError saying how to get one otherwise. */
export function findPython(env: NodeJS.ProcessEnv = process.env): FoundPython {
  if (env.PYTHON) {
    const version = versionOf(env.PYTHON);
    if (version === undefined) throw new LocalSetupError(PART, `PYTHON=${env.PYTHON} does not run`, HOW_TO_GET_ONE);
    if (!isRecentEnough(version))
      throw new LocalSetupError(PART, `PYTHON=${env.PYTHON} is Python ${version}, LocalStack needs ${MINIMUM} or newer`, HOW_TO_GET_ONE);
    return { path: env.PYTHON, version };
  }
  for (const candidate of ['python3.14', 'python3.13', 'python3', ...pyenvPythons(env)]) {
    const version = versionOf(candidate);
    if (version !== undefined && isRecentEnough(version)) return { path: candidate, version };
  }
  throw new LocalSetupError(PART, `no Python ${MINIMUM} or newer found (PYTHON unset; none on PATH or in pyenv)`, HOW_TO_GET_ONE);
}

/**
 * `npm start` (local/services/start.ts) and `npm run kafka` (local/services/kafka/cli.ts) as
 * real processes under real failure conditions: a port taken by another program, Java not
 * installed (a PATH without `java`), no Python recent enough for LocalStack, the package index
 * unreachable while LocalStack installs. Each must end with exactly one line naming the part, the
 * cause and the fix, exit 1, and leave nothing running. Unless a test is about LocalStack, npm
 * start uses the test run's (AWS_ENDPOINT_URL), so that no test starts one of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataFolderName } from '../../local/services/postgres-layout.js';
import { freePort } from '../../local/services/setup-error.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const isRoot = process.getuid?.() === 0;

let scratch: string;
let occupied: net.Server;
let takenPort: number;
let pathWithoutJava: string;

/** A folder of links to every program on the PATH except `programs`: the machine as if they were not installed. */
async function pathLacking(programs: string | string[]): Promise<string> {
  const missing = [programs].flat();
  const folder = join(scratch, `path-without-${missing.join('-')}`);
  await mkdir(folder);
  const seen = new Set<string>(missing);
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(join(directory, name), join(folder, name));
    }
  }
  return folder;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'orders-startup-errors-'));
  occupied = net.createServer();
  await new Promise<void>((resolveListen) => occupied.listen(0, '127.0.0.1', resolveListen));
  takenPort = (occupied.address() as net.AddressInfo).port;
  pathWithoutJava = await pathLacking('java');
});

afterAll(async () => {
  await new Promise((resolveClose) => occupied.close(resolveClose));
  await rm(scratch, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stderrLines: string[];
  stdout: string;
}

async function run(script: string, env: Record<string, string>): Promise<Outcome> {
  const { code, stdout, stderr } = await runToEnd(TSX, [script], {
    cwd: ROOT,
    // Nothing reachable is given, so that no test touches a real broker or database by accident.
    env: {
      ...process.env,
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      AWS_ENDPOINT_URL: inject('awsEndpoint'),
      LOCAL_DATA_DIR: join(scratch, 'never-used'),
      ...env,
    },
  });
  return { code, stdout, stderrLines: nonBlankLines(stderr) };
}

function processesMentioning(text: string): string[] {
  return spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

const START = 'local/services/start.ts';
const UNREACHABLE_DATABASE = 'postgres://nobody:none@127.0.0.1:1/none';
const UNREACHABLE_BROKERS = '127.0.0.1:1';

describe.concurrent('npm start when a part cannot start', () => {
  it('names the API gateway when PORT is taken, before starting anything', async () => {
    const outcome = await run(START, { PORT: String(takenPort) });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      `API gateway could not start: port ${takenPort} on 127.0.0.1 is taken by another program. Fix: set PORT to a free port (0 picks one), or stop the program that uses it`,
    ]);
  });

  it('names Kafka when KAFKA_PORT is taken', async () => {
    const outcome = await run(START, { PORT: '0', KAFKA_PORT: String(takenPort), DATABASE_URL: UNREACHABLE_DATABASE });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(
      new RegExp(
        `^Kafka could not start: port ${takenPort} on 127\\.0\\.0\\.1 is taken by another program\\. Fix: set KAFKA_PORT to a free port`,
      ),
    );
  });

  it('names PostgreSQL when POSTGRES_PORT is taken', async () => {
    const outcome = await run(START, { PORT: '0', POSTGRES_PORT: String(takenPort), KAFKA_BROKERS: UNREACHABLE_BROKERS });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      `PostgreSQL could not start: port ${takenPort} on 127.0.0.1 is taken by another program. Fix: set POSTGRES_PORT to a free port (0 picks one), or stop the program that uses it`,
    ]);
  });

  it('names a variable that is not a port', async () => {
    const outcome = await run(START, { PORT: 'three thousand' });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      'API gateway could not start: PORT="three thousand" is not a port number. Fix: set PORT to a number from 1 to 65535 (0 picks a free port), or unset it',
    ]);
  });

  it('names Kafka when Java is missing, and stops the PostgreSQL that did start', { timeout: 90_000 }, async () => {
    const dataRoot = join(scratch, 'java-missing');
    const outcome = await run(START, { PATH: pathWithoutJava, PORT: '0', KAFKA_PORT: '0', LOCAL_DATA_DIR: dataRoot });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(
      /^Kafka could not start: the local broker needs Java 17 or newer, and "java" is not on the PATH\. Fix: install a Java 17\+ runtime/,
    );
    // PostgreSQL was started in parallel (its data directory exists) and is stopped again.
    const postgresData = isRoot ? dataFolderName(join(dataRoot, 'postgres')) : join(dataRoot, 'postgres');
    const listing = spawnSync('ls', [isRoot ? join(tmpdir(), 'order-pipeline-postgres-data', postgresData) : postgresData], {
      encoding: 'utf8',
    }).stdout;
    expect(listing).toContain('PG_VERSION');
    expect(processesMentioning(postgresData)).toEqual([]);
    if (isRoot) await rm(join(tmpdir(), 'order-pipeline-postgres-data', postgresData), { recursive: true, force: true });
  });
});

/** A Python older than LocalStack needs: the system's python3 or one of pyenv's, whichever is older than 3.13. */
function olderPython(): string {
  const pyenv = join(process.env.PYENV_ROOT || join(homedir(), '.pyenv'), 'versions');
  const candidates = ['/usr/bin/python3', ...['3.12', '3.11'].map((minor) => join(pyenv, `${minor}`, 'bin', 'python3'))];
  const versioned = spawnSync('sh', ['-c', `ls -d ${pyenv}/3.1[12].*/bin/python3 2>/dev/null`], { encoding: 'utf8' }).stdout.split('\n');
  for (const candidate of [...candidates, ...versioned].filter(Boolean)) {
    const version = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[1])'], { encoding: 'utf8' }).stdout.trim();
    if (version !== '' && Number(version) < 13) return candidate;
  }
  throw new Error('this test needs a Python older than 3.13 (the system python3 or a pyenv version), and none was found');
}

describe.concurrent('npm start when LocalStack cannot start', () => {
  // Nothing else is started for real: a database and brokers that are given (and never reached first).
  const others = {
    PORT: '0',
    AUTH_PORT: '0',
    DATABASE_URL: UNREACHABLE_DATABASE,
    KAFKA_BROKERS: UNREACHABLE_BROKERS,
    AWS_ENDPOINT_URL: '',
  };

  it('names LocalStack when LOCALSTACK_PORT is taken', async () => {
    const outcome = await run(START, { ...others, LOCALSTACK_PORT: String(takenPort) });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      `LocalStack could not start: port ${takenPort} on 127.0.0.1 is taken by another program. Fix: set LOCALSTACK_PORT to a free port, or stop the program that uses it (or set AWS_ENDPOINT_URL to a LocalStack already running)`,
    ]);
  });

  it('names LocalStack when AWS_ENDPOINT_URL does not answer', async () => {
    // A port nothing listens on (the taken one would hold the connection open and never answer).
    const closed = await freePort();
    const outcome = await run(START, { ...others, AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}` });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      `LocalStack could not start: AWS_ENDPOINT_URL=http://127.0.0.1:${closed} does not answer /_localstack/health. Fix: start that LocalStack (e.g. docker compose -f docker-compose.localstack.yml up -d), or unset AWS_ENDPOINT_URL to run one here`,
    ]);
  });

  it('names the Python that is too old, and how to get one', async () => {
    const python = olderPython();
    const outcome = await run(START, {
      ...others,
      LOCALSTACK_PORT: '0',
      PYTHON: python,
      LOCALSTACK_VENV: join(scratch, 'venv-old-python'),
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(
      new RegExp(
        `^LocalStack could not start: PYTHON=${python} is Python 3\\.1[0-2]\\.\\d+, LocalStack needs 3\\.13 or newer\\. Fix: install Python 3\\.13 or newer`,
      ),
    );
  });

  it('says how to get a Python when none is found', async () => {
    const path = await pathLacking(['python3.13', 'python3.14', 'python3']);
    const env = {
      ...others,
      LOCALSTACK_PORT: '0',
      PATH: path,
      PYENV_ROOT: join(scratch, 'no-pyenv'),
      LOCALSTACK_VENV: join(scratch, 'venv-no-python'),
    };
    const outcome = await run(START, env);
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toEqual([
      "LocalStack could not start: no Python 3.13 or newer found (PYTHON unset; none on PATH or in pyenv). Fix: install Python 3.13 or newer (e.g. `pyenv install 3.13`, or your system's python3.13 package) and set PYTHON to it",
    ]);
  });

  it('names the failed install when the package index is unreachable, and leaves nothing running', { timeout: 120_000 }, async () => {
    const venv = join(scratch, 'venv-no-index');
    // Port 9 (discard) refuses connections: pip cannot reach the index; no other source of packages.
    const pip = { PIP_INDEX_URL: 'http://127.0.0.1:9/', PIP_FIND_LINKS: '', PIP_RETRIES: '0', PIP_NO_CACHE_DIR: '1' };
    const outcome = await run(START, { ...others, ...pip, LOCALSTACK_PORT: '0', LOCALSTACK_VENV: venv });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(
      new RegExp(
        `^LocalStack could not start: installing its Python packages into ${venv} failed \\(.+\\)\\. Fix: check the connection to the package index`,
      ),
    );
    expect(processesMentioning(venv)).toEqual([]);
  });
});

describe.concurrent('npm run kafka when the broker cannot start', () => {
  it('names Kafka and the taken KAFKA_PORT in one line', async () => {
    const outcome = await run('local/services/kafka/cli.ts', { KAFKA_PORT: String(takenPort) });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(
      new RegExp(`^Kafka could not start: port ${takenPort} on 127\\.0\\.0\\.1 is taken by another program\\. Fix: `),
    );
  });

  it('names Kafka and the missing Java in one line', async () => {
    const outcome = await run('local/services/kafka/cli.ts', { PATH: pathWithoutJava, KAFKA_PORT: '0' });
    expect(outcome.code).toBe(1);
    expect(outcome.stderrLines).toHaveLength(1);
    expect(outcome.stderrLines[0]).toMatch(/^Kafka could not start: the local broker needs Java 17 or newer/);
    expect(processesMentioning(join(ROOT, '.local', 'kafka', 'server.properties'))).toEqual([]);
  });
});

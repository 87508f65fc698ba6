/**
 * `npm start` (local/services/start.ts) and `npm run kafka` (local/services/kafka/cli.ts) as
 * real processes under real failure conditions: a port taken by another program, Java not
 * installed (a PATH without `java`). Each must end with exactly one line naming the part, the
 * cause and the fix, exit 1, and leave nothing running.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFolderName } from '../../local/services/postgres-layout.js';
import { nonBlankLines, runToEnd } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const isRoot = process.getuid?.() === 0;

let scratch: string;
let occupied: net.Server;
let takenPort: number;
let pathWithoutJava: string;

/** A folder of links to every program on the PATH except `java`: the machine as if Java were not installed. */
async function pathLacking(program: string): Promise<string> {
  const folder = join(scratch, `path-without-${program}`);
  await mkdir(folder);
  const seen = new Set<string>([program]);
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
    env: { ...process.env, DATABASE_URL: '', KAFKA_BROKERS: '', LOCAL_DATA_DIR: join(scratch, 'never-used'), ...env },
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

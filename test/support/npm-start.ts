/**
 * A real `npm start` for end-to-end tests, run the way its npm script runs it (`node
 * local/services/bootstrap.mjs tsx local/services/start.ts`) on free ports (PORT, AUTH_PORT,
 * KAFKA_PORT, LOCALSTACK_PORT) with its own data folder, so its own PostgreSQL, Kafka broker,
 * issuer, gateway and (unless the test passes AWS_ENDPOINT_URL) LocalStack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dataFolderName } from '../../local/services/postgres-layout.js';
import { freePort } from '../../local/services/setup-error.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const BOOTSTRAP = join(ROOT, 'local', 'services', 'bootstrap.mjs');

export interface NpmStart {
  readonly ports: { PORT: string; AUTH_PORT: string; KAFKA_PORT: string; LOCALSTACK_PORT: string };
  /** Its data folder (LOCAL_DATA_DIR). */
  readonly dataDir: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with its exit code when it exits. */
  readonly exited: Promise<number | null>;
  /** Ctrl+C, then waits for its exit; removes its data. */
  stop(): Promise<void>;
}

export async function distinctFreePorts(count: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < count) found.add(await freePort());
  return [...found];
}

/** Resolves when `npm start` has printed its banner; rejects with its output when it exits first. */
function started(child: ChildProcess, collect: (text: string) => string): Promise<void> {
  return new Promise((resolveStarted, rejectStarted) => {
    const onData = (chunk: Buffer) => {
      if (collect(chunk.toString('utf8')).includes('Ctrl+C stops everything.')) resolveStarted();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rejectStarted(new Error(`npm start exited (${code}) before it was ready:\n${collect('')}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `npm start` with `env` on top of the test's (no DATABASE_URL or KAFKA_BROKERS: its own); resolves once it is ready. */
export async function startNpmStart(prefix: string, env: Record<string, string> = {}): Promise<NpmStart> {
  const scratch = await mkdtemp(join(tmpdir(), prefix));
  const [port, authPort, kafkaPort, localStackPort] = await distinctFreePorts(4);
  const ports = { PORT: String(port), AUTH_PORT: String(authPort), KAFKA_PORT: String(kafkaPort), LOCALSTACK_PORT: String(localStackPort) };
  const child = spawn(process.execPath, [BOOTSTRAP, 'tsx', 'local/services/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...ports,
      POSTGRES_PORT: '0',
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      AWS_ENDPOINT_URL: '',
      LOCAL_DATA_DIR: scratch,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let output = '';
  const collect = (text: string) => (output += text);
  const stop = async () => {
    await stopChild(child);
    await rm(scratch, { recursive: true, force: true });
    // As root, npm start's PostgreSQL keeps its data outside the data folder (postgres-layout.ts).
    const rootData = join(tmpdir(), 'order-pipeline-postgres-data', dataFolderName(join(scratch, 'postgres')));
    if (process.getuid?.() === 0) await rm(rootData, { recursive: true, force: true });
  };
  try {
    await started(child, collect);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, dataDir: scratch, output: () => output, exited, stop };
}

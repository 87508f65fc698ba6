import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject, vi } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../local/services/postgres.js';
import { migrateUp, type RuntimeRole } from '../../shared/db/migrate.js';
import { closePool } from '../../shared/db/pool.js';

const MIGRATIONS = join(import.meta.dirname, '..', '..', 'migrations');

/**
 * Scratch databases for tests and benchmarks. The first part needs no test runner (benchmarks
 * and the global setup use it); the `use…`/`createTestDatabase` part reads what the global setup
 * provided (test/support/global-setup.ts) and hooks into vitest.
 */

/** A server to create scratch databases on: DATABASE_URL's when set (left running), else an embedded one. */
interface ScratchServer {
  /** Superuser URL. */
  readonly adminUrl: string;
  /** Stops and deletes an embedded server; a no-op for DATABASE_URL. */
  close(): Promise<void>;
}

export async function openScratchServer(prefix = 'orders-scratch-'): Promise<ScratchServer> {
  const external = process.env.DATABASE_URL;
  if (external) return { adminUrl: external, close: async () => {} };
  const server = await startPrivatePostgres(prefix, { migrate: false });
  return { adminUrl: server.url, close: () => server.destroy() };
}

/**
 * A private embedded PostgreSQL server in a temporary folder, for a test or benchmark that stops
 * and starts it (or must not share it); migrated unless `migrate: false`. `destroy()` stops it and
 * deletes the folder. `tls: 'required'`: TLS only, with a local CA (server.tls), as npm start runs it.
 */
export async function startPrivatePostgres(
  prefix: string,
  { migrate = true, tls }: { migrate?: boolean; tls?: 'required' } = {},
): Promise<LocalPostgres> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  const server = await startLocalPostgres({ dataDir: join(folder, 'data'), ...(tls ? { tls } : {}) });
  try {
    if (migrate) await migrateUp({ connection: server.url, dir: MIGRATIONS });
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return {
    ...server,
    destroy: async () => {
      await server.destroy();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * A new database on the server of `adminUrl` (replacing one of the same name): a clone of
 * `template` (fast: a file copy), or else migrated (`migrate: false`: empty). CREATE DATABASE
 * copies the schema and its privileges but not the database's own privileges, so for a clone the
 * database-level part of migrations/1763827200000_runtime-roles.sql is repeated here.
 */
export async function createScratchDatabase(
  adminUrl: string,
  {
    name = `orders_test_${randomBytes(6).toString('hex')}`,
    template,
    migrate = true,
  }: { name?: string; template?: string; migrate?: boolean } = {},
): Promise<ScratchDatabase> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (template === undefined) {
      await admin.query(`CREATE DATABASE ${name}`);
      return;
    }
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.query(
      `REVOKE TEMPORARY ON DATABASE ${name} FROM PUBLIC; GRANT CONNECT ON DATABASE ${name} TO orders_writer, orders_reader`,
    );
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (template === undefined && migrate) await migrateUp({ connection: url.toString(), dir: MIGRATIONS });
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs `work` with a client connected to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// ---- inside vitest ------------------------------------------------------------------------------

/** A fresh database for one test file, cloned from the migrated template of the global setup. */
export function createTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(inject('postgresAdminUrl'), { template: inject('templateDatabase') });
}

/** A fresh, empty database (no migrations) on the test server, e.g. for a test that migrates it. */
export function createEmptyTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(inject('postgresAdminUrl'), { migrate: false });
}

/**
 * The URL of the same database for a runtime role (its test password comes from the global setup),
 * e.g. `roleUrl(database, 'orders_writer')` for the ingest function's view of the database.
 */
export function roleUrl(database: string | { readonly url: string }, role: RuntimeRole): string {
  const url = new URL(typeof database === 'string' ? database : database.url);
  url.username = role;
  url.password = inject('rolePasswords')[role];
  return url.toString();
}

/**
 * A fresh database for the calling test file, set as DATABASE_URL for the code under test, with
 * a client for the test's own queries; the pool of shared/db/pool.ts is closed afterwards.
 */
export function useTestDatabase(): { readonly url: string; readonly sql: pg.Client } {
  let database: ScratchDatabase | undefined;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    vi.stubEnv('DATABASE_URL', database.url);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await closePool();
    await client?.end();
    await database?.drop();
    vi.unstubAllEnvs();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTestDatabase: the database is created in beforeAll');
    return value;
  };
  return {
    get url() {
      return ready(database).url;
    },
    get sql() {
      return ready(client);
    },
  };
}

/**
 * A private, migrated PostgreSQL server for a test that stops and starts it, set as DATABASE_URL;
 * the pool of shared/db/pool.ts is closed and the server deleted afterwards.
 */
export function usePrivatePostgres(prefix: string): { readonly server: LocalPostgres } {
  let server: LocalPostgres | undefined;
  beforeAll(async () => {
    server = await startPrivatePostgres(prefix);
    vi.stubEnv('DATABASE_URL', server.url);
  });
  afterAll(async () => {
    await closePool();
    await server?.destroy();
    vi.unstubAllEnvs();
  });
  return {
    get server() {
      if (!server) throw new Error('usePrivatePostgres: the server is started in beforeAll');
      return server;
    },
  };
}

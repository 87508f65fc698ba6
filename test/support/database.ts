import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject, vi } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../local/services/postgres.js';
import { migrateUp, type RuntimeRole } from '../../shared/db/migrate.js';
import { closePool } from '../../shared/db/pool.js';

/**
 * A fresh database for one test file, cloned from the migrated template (fast: a file copy).
 * CREATE DATABASE copies the schema and its privileges but not the database's own privileges,
 * so the database-level part of migrations/1763827200000_runtime-roles.sql is repeated here.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `orders_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, async (admin) => {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
    await admin.query(`REVOKE TEMPORARY ON DATABASE ${name} FROM PUBLIC; GRANT CONNECT ON DATABASE ${name} TO orders_writer, orders_reader`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
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

/**
 * A fresh database for the calling test file, set as DATABASE_URL for the code under test, with
 * a client for the test's own queries; the pool of shared/db/pool.ts is closed afterwards.
 */
export function useTestDatabase(): { readonly url: string; readonly sql: pg.Client } {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
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
    server = await startLocalPostgres({ dataDir: join(await mkdtemp(join(tmpdir(), prefix)), 'data') });
    await migrateUp({ connection: server.url });
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

/**
 * The migrate function (functions/migrate/migrate-handler.ts) against its own embedded PostgreSQL, so
 * that it may create the roles and change their passwords without touching the server the other
 * test files share. The master login comes from DATABASE_URL here: in AWS it comes from
 * DB_SECRET_ARN over verified TLS, which the embedded server does not offer.
 * Mocked: the secret reader (shared/db/secrets.ts; its SDK path against a Secrets Manager endpoint
 * is tested in test/integration/db-secrets.test.ts and, against LocalStack, by the rotation tests). The
 * mock hands out the role secrets' current values, as GetSecretValue would, and records the reads.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { createMigrateHandler, migrateDependencies, readMigrateConfig } from '../../functions/migrate/migrate-handler.js';
import type { LocalPostgres } from '../../local/services/postgres.js';
import { startPrivatePostgres } from '../support/database.js';
import { lambdaContext } from '../support/lambda.js';

const secretValues = new Map<string, Record<string, unknown>>();
/** The secrets read afresh (bypassing the container's cache: forceFetch). */
const secretReads: string[] = [];
vi.mock('../../shared/db/secrets.js', () => ({
  readSecretString: vi.fn(async (arn: string, options?: { forceFetch?: boolean }) => {
    if (options?.forceFetch) secretReads.push(arn);
    return JSON.stringify(secretValues.get(arn));
  }),
}));

const WRITER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-writer-AbCdEf';
const READER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-reader-AbCdEf';
// Secrets Manager may generate any printable ASCII: quotes, backslashes and dollars included.
const WRITER_PASSWORD = `w'r"i\\t$$er-1`;
const READER_PASSWORD = `r$1'; DROP ROLE orders_writer; --`;

// Debug logs on, through the console, so that the test can read every line the function writes.
vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
vi.stubEnv('POWERTOOLS_DEV', 'true');

let server: LocalPostgres;
/** An instance built from the environment of each call, as the function's wiring builds it at its cold start. */
const handler = (event: unknown, context: Context) => createMigrateHandler(readMigrateConfig(), migrateDependencies())(event, context);

beforeAll(async () => {
  // Not migrated: migrating it is the function's job.
  server = await startPrivatePostgres('orders-migrate-pg-', { migrate: false });
  vi.stubEnv('DATABASE_URL', server.url);
  vi.stubEnv('MIGRATIONS_DIR', join(import.meta.dirname, '..', '..', 'migrations'));
  vi.stubEnv('DB_WRITER_SECRET_ARN', WRITER_ARN);
  vi.stubEnv('DB_READER_SECRET_ARN', READER_ARN);
  secretValues.set(WRITER_ARN, {
    engine: 'postgres',
    host: '127.0.0.1',
    port: server.port,
    username: 'orders_writer',
    password: WRITER_PASSWORD,
  });
  secretValues.set(READER_ARN, {
    engine: 'postgres',
    host: '127.0.0.1',
    port: server.port,
    username: 'orders_reader',
    password: READER_PASSWORD,
  });
});

afterAll(async () => {
  await server?.destroy();
  vi.unstubAllEnvs();
});

/** What logging in as `user` with `password` gives: 'ok' or the SQLSTATE. */
async function login(user: string, password: string): Promise<string> {
  const url = new URL(server.url);
  url.username = user;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    await client.query('SELECT count(*) FROM orders');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Invokes the handler and returns its result and every console line it wrote. */
async function invoke(): Promise<{ result: unknown; output: string }> {
  const written: unknown[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(args)),
  );
  try {
    const result = await handler({}, lambdaContext());
    return { result, output: JSON.stringify(written) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('migrate handler', () => {
  it('migrates an empty database and lets each runtime role log in with its secret, never logging a password', async () => {
    const migrations = (await readdir(join(import.meta.dirname, '..', '..', 'migrations'))).filter((file) => file.endsWith('.sql')).sort();
    expect(await login('orders_writer', WRITER_PASSWORD)).toBe('28P01'); // before: no such role

    const { result, output } = await invoke();

    expect(result).toEqual({
      applied: migrations.map((file) => file.replace(/\.sql$/, '')),
      rolesWithPassword: ['orders_writer', 'orders_reader'],
    });
    expect(await login('orders_writer', WRITER_PASSWORD)).toBe('ok');
    expect(await login('orders_reader', READER_PASSWORD)).toBe('ok');
    expect(output).toContain('migrations applied');
    for (const secret of [WRITER_PASSWORD, READER_PASSWORD, 'SCRAM-SHA-256'])
      expect(output).not.toContain(JSON.stringify(secret).slice(1, -1));
  });

  it("sets a role secret's new value on the next run, read afresh, even with nothing to migrate, and only that role's", async () => {
    secretReads.length = 0;
    const rotated = 'n3w-Pa$$word';
    secretValues.set(WRITER_ARN, { ...secretValues.get(WRITER_ARN), password: rotated });

    const { result } = await invoke();

    // The reader still logs in with its secret: its password is left alone.
    expect(result).toEqual({ applied: [], rolesWithPassword: ['orders_writer'] });
    expect(secretReads).toEqual([WRITER_ARN, READER_ARN]);
    expect(await login('orders_writer', rotated)).toBe('ok');
    expect(await login('orders_writer', WRITER_PASSWORD)).toBe('28P01');
    expect(await login('orders_reader', READER_PASSWORD)).toBe('ok');
  });

  it('sets no password when every role logs in with its secret (a deploy during a rotation keeps the new password)', async () => {
    const { result } = await invoke();

    expect(result).toEqual({ applied: [], rolesWithPassword: [] });
  });

  it("keeps a password the role's single-user rotation set itself", async () => {
    // What the rotation function does: log in as the role, change its own password, then store it.
    const rotated = 'r0tated-by-the-role';
    const url = new URL(server.url);
    url.username = 'orders_reader';
    url.password = READER_PASSWORD;
    const reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
    try {
      await reader.query(`ALTER ROLE orders_reader PASSWORD ${pg.escapeLiteral(rotated)}`);
    } finally {
      await reader.end();
    }
    secretValues.set(READER_ARN, { ...secretValues.get(READER_ARN), password: rotated });

    await invoke();

    expect(await login('orders_reader', rotated)).toBe('ok');
  });

  it('fails, changing nothing, when a role secret holds another user', async () => {
    const before = structuredClone(secretValues.get(READER_ARN));
    secretValues.set(READER_ARN, { ...before, username: 'orders_admin' });
    try {
      await expect(handler({}, lambdaContext())).rejects.toThrow('DB_READER_SECRET_ARN must hold the credentials of orders_reader');
    } finally {
      secretValues.set(READER_ARN, before!);
    }
  });
});

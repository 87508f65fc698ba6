import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, type LocalPostgres } from '../../local/services/postgres.js';
import { LocalSetupError, renderSetupError } from '../../local/services/setup-error.js';
import { migrateUp } from '../../shared/db/migrate.js';

/**
 * Once per test run: a real PostgreSQL (DATABASE_URL if given, else an embedded server) and a
 * migrated template database. Each test file clones the template (test/support/database.ts),
 * so files run in parallel without seeing each other's rows.
 */
export const TEMPLATE_DATABASE = 'orders_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
  }
}

let server: LocalPostgres | undefined;
let scratch: string | undefined;

/** Fails the run with the one-line message alone: a stack trace of the setup would only hide it. */
function oneLineFailure(error: unknown): never {
  const failure = new Error(renderSetupError(error, 'test setup'));
  failure.stack = failure.message;
  throw failure;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    scratch = await mkdtemp(join(tmpdir(), 'orders-test-pg-'));
    server = await startLocalPostgres({ dataDir: join(scratch, 'data') }).catch(oneLineFailure);
    adminUrl = server.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch((error: unknown) =>
    oneLineFailure(new LocalSetupError('PostgreSQL', `the tests cannot connect to ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'the embedded server'} (${String(error)})`, 'check DATABASE_URL, or unset it to use an embedded server')),
  );
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await migrateUp({ connection: templateUrl.toString() });

  project.provide('postgresAdminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  return async () => {
    await server?.destroy();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
}

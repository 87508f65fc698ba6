import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, type LocalPostgres } from '../../local/services/postgres.js';
import { LocalSetupError, renderSetupError } from '../../local/services/setup-error.js';
import { migrateUp, RUNTIME_ROLES, setRolePasswords, type RuntimeRole } from '../../shared/db/migrate.js';

/**
 * Once per test run: a real PostgreSQL (DATABASE_URL if given, else an embedded server) and a
 * migrated template database. Each test file clones the template (test/support/database.ts),
 * so files run in parallel without seeing each other's rows. The runtime roles that the
 * migrations create (orders_writer, orders_reader) log in with their own names as passwords, so
 * that tests can run code as each role (test/support/database.ts: roleUrl).
 */
export const TEMPLATE_DATABASE = 'orders_test_template';

/** Test passwords of the runtime roles (roles belong to the server: every database shares them). */
const TEST_ROLE_PASSWORDS: Readonly<Record<RuntimeRole, string>> = Object.fromEntries(RUNTIME_ROLES.map((role) => [role, role])) as Record<RuntimeRole, string>;

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    rolePasswords: Readonly<Record<RuntimeRole, string>>;
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
  const template = new pg.Client({ connectionString: templateUrl.toString() });
  await template.connect();
  try {
    await migrateUp({ connection: template });
    await setRolePasswords(template, TEST_ROLE_PASSWORDS);
  } finally {
    await template.end();
  }

  project.provide('postgresAdminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('rolePasswords', TEST_ROLE_PASSWORDS);
  return async () => {
    await server?.destroy();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
}

/**
 * Once per test run: a real PostgreSQL (DATABASE_URL if given, else an embedded server) and a
 * migrated template database. Each test file clones the template (test/support/database.ts),
 * so files run in parallel without seeing each other's rows. The runtime roles that the
 * migrations create (orders_writer, orders_reader) log in with their own names as passwords, so
 * that tests can run code as each role (test/support/database.ts: roleUrl).
 */
import type { TestProject } from 'vitest/node';
import { LocalSetupError, renderSetupError } from '../../local/services/setup-error.js';
import { RUNTIME_ROLES, setRolePasswords, type RuntimeRole } from '../../shared/db/migrate.js';
import { createScratchDatabase, openScratchServer, withClient } from './database.js';

export const TEMPLATE_DATABASE = 'orders_test_template';

/** Test passwords of the runtime roles (roles belong to the server: every database shares them). */
const TEST_ROLE_PASSWORDS: Readonly<Record<RuntimeRole, string>> = Object.fromEntries(RUNTIME_ROLES.map((role) => [role, role])) as Record<
  RuntimeRole,
  string
>;

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    rolePasswords: Readonly<Record<RuntimeRole, string>>;
  }
}

/** Fails the run with the one-line message alone: a stack trace of the setup would only hide it. */
function oneLineFailure(error: unknown): never {
  const failure = new Error(renderSetupError(error, 'test setup'));
  failure.stack = failure.message;
  throw failure;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await openScratchServer('orders-test-pg-').catch(oneLineFailure);
  await withClient(server.adminUrl, async () => {}).catch((error: unknown) =>
    oneLineFailure(
      new LocalSetupError(
        'PostgreSQL',
        `the tests cannot connect to ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'the embedded server'} (${String(error)})`,
        'check DATABASE_URL, or unset it to use an embedded server',
      ),
    ),
  );
  const template = await createScratchDatabase(server.adminUrl, { name: TEMPLATE_DATABASE });
  await withClient(template.url, (client) => setRolePasswords(client, TEST_ROLE_PASSWORDS));

  project.provide('postgresAdminUrl', server.adminUrl);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('rolePasswords', TEST_ROLE_PASSWORDS);
  return () => server.close();
}

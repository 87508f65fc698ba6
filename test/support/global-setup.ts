/**
 * Once per test run: a real PostgreSQL (DATABASE_URL if given, else an embedded server), a
 * migrated template database, and LocalStack (AWS_ENDPOINT_URL if given, else its runtime on a
 * free port, started alongside PostgreSQL; `awsEndpoint` for tests that need AWS APIs). Each test file clones the template (test/support/database.ts),
 * so files run in parallel without seeing each other's rows. The runtime roles that the
 * migrations create (orders_writer, orders_reader) log in with their own names as passwords, so
 * that tests can run code as each role (test/support/database.ts: roleUrl).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openLocalStack } from '../../local/services/localstack/runtime.js';
import { freePort, LocalSetupError, renderSetupError } from '../../local/services/setup-error.js';
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
    /** LocalStack's endpoint (AWS_ENDPOINT_URL for the SDK, awslocal). */
    awsEndpoint: string;
  }
}

/** Fails the run with the one-line message alone: a stack trace of the setup would only hide it. */
function oneLineFailure(error: unknown): never {
  const failure = new Error(renderSetupError(error, 'test setup'));
  failure.stack = failure.message;
  throw failure;
}

/** LocalStack for the run, its folder removed when it stops. */
async function openTestLocalStack() {
  const dataDir = await mkdtemp(join(tmpdir(), 'orders-test-localstack-'));
  const onInstall = (venv: string) => process.stderr.write(`installing LocalStack into ${venv} (once)...\n`);
  const localStack = await openLocalStack({ port: await freePort(), dataDir, onInstall }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    endpoint: localStack.endpoint,
    close: async () => {
      await localStack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [serverOutcome, localStackOutcome] = await Promise.allSettled([openScratchServer('orders-test-pg-'), openTestLocalStack()]);
  if (serverOutcome.status === 'rejected' || localStackOutcome.status === 'rejected') {
    if (serverOutcome.status === 'fulfilled') await serverOutcome.value.close();
    if (localStackOutcome.status === 'fulfilled') await localStackOutcome.value.close();
    oneLineFailure(serverOutcome.status === 'rejected' ? serverOutcome.reason : (localStackOutcome as PromiseRejectedResult).reason);
  }
  const server = serverOutcome.value;
  const localStack = localStackOutcome.value;
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
  project.provide('awsEndpoint', localStack.endpoint);
  return async () => {
    await Promise.all([server.close(), localStack.close()]);
  };
}

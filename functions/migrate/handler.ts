import { join } from 'node:path';
import { readDatabaseConfig } from '../../shared/db/config.js';
import { createObservability, observedHandler } from '../../shared/observability.js';
import { tracing } from '../../shared/tracing.js';
import { runMigrations, type MigrationRun } from './run-migrations.js';

/**
 * Applies the SQL migrations at deploy time, logged in with the master secret (DB_SECRET_ARN),
 * then sets the passwords of orders_writer and orders_reader from their own secrets
 * (DB_WRITER_SECRET_ARN, DB_READER_SECRET_ARN). A CDK Trigger invokes this function before the
 * consumer's event-source mapping and the read API exist (infra/constructs/database.ts).
 * The .sql files travel in the bundle, next to index.mjs (copied by the bundling hook);
 * MIGRATIONS_DIR overrides the folder for local runs. A failure throws, which fails the deploy.
 */
const observability = createObservability('migrate');
const { logger } = observability;

export type MigrateResult = MigrationRun;

function migrationsDir(): string {
  return process.env.MIGRATIONS_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'migrations');
}

async function migrate(): Promise<MigrateResult> {
  const result = await runMigrations({ config: readDatabaseConfig(), dir: migrationsDir(), log: (message) => logger.debug(message) });
  logger.info(result.applied.length === 0 ? 'schema is up to date' : 'migrations applied', { ...result });
  return result;
}

export const handler = observedHandler(migrate, observability, tracing('migrate'));

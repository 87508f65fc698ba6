import { join } from 'node:path';
import { resolveConnectionConfig } from '../../shared/db/config.js';
import { migrateUp } from '../../shared/db/migrate.js';
import { createObservability, observedHandler } from '../../shared/observability.js';
import { tracing } from '../../shared/tracing.js';

/**
 * Applies the SQL migrations at deploy time: a CDK Trigger invokes this function before the
 * consumer's event-source mapping and the read API exist (infra/constructs/database.ts).
 * The .sql files travel in the bundle, next to index.mjs (copied by the bundling hook);
 * MIGRATIONS_DIR overrides the folder for local runs. A failure throws, which fails the deploy.
 */
const observability = createObservability('migrate');
const { logger } = observability;

export interface MigrateResult {
  applied: string[];
}

function migrationsDir(): string {
  return process.env.MIGRATIONS_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'migrations');
}

async function migrate(): Promise<MigrateResult> {
  const connection = await resolveConnectionConfig();
  const applied = await migrateUp({ connection, dir: migrationsDir(), log: (message) => logger.debug(message) });
  logger.info(applied.length === 0 ? 'schema is up to date' : 'migrations applied', { applied });
  return { applied };
}

export const handler = observedHandler(migrate, observability, tracing('migrate'));

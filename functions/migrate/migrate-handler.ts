/**
 * The migrate function as a factory: `createMigrateHandler(config, dependencies)` returns the
 * Lambda handler, which applies the SQL migrations at deploy time, logged in with the master
 * secret (DB_SECRET_ARN), then sets the passwords of orders_writer and orders_reader from their
 * own secrets (DB_WRITER_SECRET_ARN, DB_READER_SECRET_ARN). A CDK Trigger invokes this function
 * before the consumer's event-source mapping and the read API exist (infra/constructs/database.ts).
 * The .sql files travel in the bundle, next to index.mjs (copied by the bundling hook);
 * MIGRATIONS_DIR overrides the folder for local runs. A failure throws, which fails the deploy.
 */
import { join } from 'node:path';
import { type DatabaseEnv, readDatabaseConfig } from '../../shared/db/config.js';
import { SERVICES } from '../../shared/metrics.js';
import { createObservability, type Observability, observedHandler } from '../../shared/observability.js';
import { type MigrationRun, runMigrations, type RunMigrationsOptions } from './run-migrations.js';

export type MigrateResult = MigrationRun;

export interface MigrateConfig {
  database: DatabaseEnv;
  /** Folder of the .sql files. */
  migrationsDir: string;
}

export interface MigrateDependencies {
  observability: Observability;
  /** How secrets are read and retried (tests pass their own). */
  readSecret?: RunMigrationsOptions['readSecret'];
  retry?: RunMigrationsOptions['retry'];
}

/** From the environment: the database variables, and MIGRATIONS_DIR or the bundle's migrations/. */
export function readMigrateConfig(env: NodeJS.ProcessEnv = process.env): MigrateConfig {
  const migrationsDir = env.MIGRATIONS_DIR ?? join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'migrations');
  return { database: readDatabaseConfig(env), migrationsDir };
}

export const migrateDependencies = (): MigrateDependencies => ({ observability: createObservability(SERVICES.migrate) });

export function createMigrateHandler(config: MigrateConfig, { observability, readSecret, retry }: MigrateDependencies) {
  const { logger } = observability;
  async function migrate(): Promise<MigrateResult> {
    const log = (message: string) => logger.debug(message);
    const overrides = { ...(readSecret ? { readSecret } : {}), ...(retry ? { retry } : {}) };
    const result = await runMigrations({ config: config.database, dir: config.migrationsDir, log, ...overrides });
    logger.info(result.applied.length === 0 ? 'schema is up to date' : 'migrations applied', { ...result });
    return result;
  }
  return observedHandler(migrate, observability);
}

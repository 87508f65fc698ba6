import { runner } from 'node-pg-migrate';
import type { ClientConfig } from 'pg';

/**
 * Applies the plain-SQL migrations of migrations/ with node-pg-migrate: in order, each once,
 * in one transaction, under an advisory lock so that concurrent runs (two deploys, a deploy
 * and a local start) wait for each other instead of racing.
 */
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  connection: string | ClientConfig;
  /** Folder holding the .sql files; defaults to ./migrations of the working directory. */
  dir?: string;
  log?: (message: string) => void;
}

/** Returns the names of the migrations it applied (empty when the schema was current). */
export async function migrateUp({ connection, dir = 'migrations', log = () => {} }: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: connection,
    dir,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    checkOrder: true,
    log,
  });
  return applied.map((migration) => migration.name);
}

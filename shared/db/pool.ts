import pg from 'pg';
import { poolSettings, readDatabaseConfig, resolveConnectionConfig } from './config.js';

/**
 * One small pg pool per container (module scope), created on first use and reused by every
 * invocation. Lambda runs one invocation at a time per container, so two connections are plenty.
 * A connection that breaks is dropped by pg and the next query opens a new one, so a database
 * restart costs the invocation that hit it (the event source retries it) and nothing after.
 */

let poolPromise: Promise<pg.Pool> | undefined;
let refreshSecret = false;

/** SQLSTATE 28P01: the password no longer works (e.g. the secret was rotated). */
const INVALID_PASSWORD = '28P01';

/** Settings are read when the pool is created, like the connection itself, not at import. */
async function createPool(env: NodeJS.ProcessEnv = process.env): Promise<pg.Pool> {
  const config = readDatabaseConfig(env);
  const pool = new pg.Pool({
    ...(await resolveConnectionConfig(config, { refreshSecret })),
    ...poolSettings(config),
    idleTimeoutMillis: 60_000,
    keepAlive: true,
    application_name: env.AWS_LAMBDA_FUNCTION_NAME ?? 'order-pipeline',
  });
  // An idle connection that the server closes emits 'error' on the pool; without a listener
  // that would crash the process. pg already discards the broken client.
  pool.on('error', () => {});
  refreshSecret = false;
  return pool;
}

export function getPool(): Promise<pg.Pool> {
  poolPromise ??= createPool().catch((error: unknown) => {
    poolPromise = undefined;
    throw error;
  });
  return poolPromise;
}

/** A rejected password (e.g. after a rotation) drops the pool, so the next call re-reads the secret. */
async function afterDatabaseError(error: unknown): Promise<never> {
  if ((error as { code?: string }).code === INVALID_PASSWORD) {
    refreshSecret = true;
    await closePool();
  }
  throw error;
}

/** Runs one query on the container's pool. */
export async function query<Row extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
  const pool = await getPool();
  return pool.query<Row>(config).catch(afterDatabaseError);
}

/** A connection of the container's pool for a transaction; give it back with `release(error?)`. */
export async function connect(): Promise<pg.PoolClient> {
  const pool = await getPool();
  return pool.connect().catch(afterDatabaseError);
}

/** Ends the pool (tests, local shutdown, credential rotation). */
export async function closePool(): Promise<void> {
  const pending = poolPromise;
  poolPromise = undefined;
  if (pending) await (await pending.catch(() => undefined))?.end();
}

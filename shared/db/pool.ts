import pg from 'pg';
import { poolSettings, readDatabaseConfig, resolveConnectionConfig } from './config.js';

/**
 * One small pg pool per function instance (`createDatabase`), created on first use and reused
 * by every invocation. Lambda runs one invocation at a time per container, so two connections are plenty.
 * A connection that breaks is dropped by pg and the next query opens a new one, so a database
 * restart costs the invocation that hit it (the event source retries it) and nothing after.
 */

/** SQLSTATE 28P01: the password no longer works (e.g. the secret was rotated). */
const INVALID_PASSWORD = '28P01';

/** One function instance's database: its pool, created on the first query and reused. */
export interface Database {
  pool(): Promise<pg.Pool>;
  /** Runs one query on the pool. */
  query<Row extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>>;
  /** A connection of the pool for a transaction; give it back with `release(error?)`. */
  connect(): Promise<pg.PoolClient>;
  /** Ends the pool (tests, local shutdown, credential rotation); the next query opens a new one. */
  close(): Promise<void>;
}

/** Settings are read from `env` when the pool is created, like the connection itself, not before. */
async function createPool(env: NodeJS.ProcessEnv, refreshSecret: boolean): Promise<pg.Pool> {
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
  return pool;
}

/** A database whose pool is created lazily from `env` (read then, e.g. DATABASE_URL or DB_SECRET_ARN). */
export function createDatabase(env: NodeJS.ProcessEnv = process.env): Database {
  let poolPromise: Promise<pg.Pool> | undefined;
  let refreshSecret = false;
  const pool = (): Promise<pg.Pool> => {
    poolPromise ??= createPool(env, refreshSecret).then(
      (created) => {
        refreshSecret = false;
        return created;
      },
      (error: unknown) => {
        poolPromise = undefined;
        throw error;
      },
    );
    return poolPromise;
  };
  const close = async (): Promise<void> => {
    const pending = poolPromise;
    poolPromise = undefined;
    if (pending) await (await pending.catch(() => undefined))?.end();
  };
  /** A rejected password (e.g. after a rotation) drops the pool, so the next call re-reads the secret. */
  const afterDatabaseError = async (error: unknown): Promise<never> => {
    if ((error as { code?: string }).code === INVALID_PASSWORD) {
      refreshSecret = true;
      await close();
    }
    throw error;
  };
  return {
    pool,
    query: async <Row extends pg.QueryResultRow>(config: pg.QueryConfig) => (await pool()).query<Row>(config).catch(afterDatabaseError),
    connect: async () => (await pool()).connect().catch(afterDatabaseError),
    close,
  };
}

/**
 * The container database of the functions that do not take one as a dependency yet (ingest,
 * migrate helpers, local tools): the functions below use it.
 */
export const CONTAINER_DATABASE: Database = createDatabase();

export const getPool = (): Promise<pg.Pool> => CONTAINER_DATABASE.pool();

/** Runs one query on the container's pool. */
export const query = <Row extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>> =>
  CONTAINER_DATABASE.query<Row>(config);

/** A connection of the container's pool for a transaction; give it back with `release(error?)`. */
export const connect = (): Promise<pg.PoolClient> => CONTAINER_DATABASE.connect();

/** Ends the container's pool (tests, local shutdown, credential rotation). */
export const closePool = (): Promise<void> => CONTAINER_DATABASE.close();

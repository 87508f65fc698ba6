/**
 * The database connection of a container: a small pg pool, created on first use and reused by
 * every invocation. Lambda runs one invocation at a time per container, so two connections are
 * plenty. A connection that breaks is dropped by pg and the next query opens a new one, so a
 * database restart costs the invocation that hit it (the event source retries it) and nothing
 * after. A refused login (shared/db/errors.ts: `credentials`, e.g. SQLSTATE 28P01 after the secret
 * was rotated) drops the pool, so the next call re-reads the secret.
 *
 * `createDatabase` makes one such connection (a function instance or a test owns it);
 * `query`, `connect`, `getPool` and `closePool` use the container's own one, `containerDatabase`.
 */
import pg from 'pg';
import { poolSettings, readDatabaseConfig, resolveConnectionConfig } from './config.js';
import { toPipelineError } from '../error-mapping.js';

export interface Database {
  /** Runs one query on the pool. */
  query<Row extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>>;
  /** A connection for a transaction; give it back with `release(error?)`. */
  connect(): Promise<pg.PoolClient>;
  /** The pool itself (created if need be). */
  pool(): Promise<pg.Pool>;
  /** Ends the pool (tests, local shutdown); the next call creates a new one. */
  close(): Promise<void>;
}

/** Settings are read when the pool is created, like the connection itself, not at import. */
export function createDatabase(env: NodeJS.ProcessEnv = process.env): Database {
  let poolPromise: Promise<pg.Pool> | undefined;
  let refreshSecret = false;

  async function createPool(): Promise<pg.Pool> {
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

  const pool = () => {
    poolPromise ??= createPool().catch((error: unknown) => {
      poolPromise = undefined;
      throw error;
    });
    return poolPromise;
  };

  const close = async () => {
    const pending = poolPromise;
    poolPromise = undefined;
    if (pending) await (await pending.catch(() => undefined))?.end();
  };

  /**
   * pg's and the secret read's errors enter here and leave as PipelineErrors (shared/error-mapping.ts).
   * A refused login (e.g. after a rotation) drops the pool, so the next call re-reads the secret.
   */
  const afterDatabaseError = async (error: unknown): Promise<never> => {
    const mapped = toPipelineError(error);
    if (mapped.kind === 'credentials') {
      refreshSecret = true;
      await close();
    }
    throw mapped;
  };

  return {
    query: <Row extends pg.QueryResultRow>(config: pg.QueryConfig) =>
      pool()
        .then((ready) => ready.query<Row>(config))
        .catch(afterDatabaseError),
    connect: () =>
      pool()
        .then((ready) => ready.connect())
        .catch(afterDatabaseError),
    pool,
    close,
  };
}

/** The container's database (module scope: one per container, like the pool it holds). */
export const containerDatabase: Database = createDatabase();

export const getPool = (): Promise<pg.Pool> => containerDatabase.pool();
export const query = <Row extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>> =>
  containerDatabase.query<Row>(config);
export const connect = (): Promise<pg.PoolClient> => containerDatabase.connect();
export const closePool = (): Promise<void> => containerDatabase.close();

/**
 * The database connection of a container: a small pg pool, created on first use and reused by
 * every invocation. Lambda runs one invocation at a time per container, so two connections are
 * plenty. A connection that breaks is dropped by pg and the next query opens a new one, so a
 * database restart costs the invocation that hit it (the event source retries it) and nothing
 * after. A refused login (shared/db/errors.ts: `credentials`, SQLSTATE 28P01 after the password
 * was rotated) replaces the pool with one built from the secret read afresh (bypassing the
 * cache) and tries the same call once more, within the same invocation: a rotation costs one
 * extra secret read, not a failed invocation.
 *
 * `createDatabase` makes one such connection (a function instance or a test owns it);
 * `containerDatabase` is the container's own one; `closePool` ends it.
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

/**
 * A database whose pool is created on first use from `env` (settings are read then, like the
 * connection itself, not at import).
 *
 * @example
 * ```ts
 * const database = createDatabase();
 * const { rows } = await database.query({ text: 'SELECT 1 AS one' });
 * await database.close();
 * ```
 */
export function createDatabase(env: NodeJS.ProcessEnv = process.env): Database {
  let poolPromise: Promise<pg.Pool> | undefined;
  let forceFetch = false;

  async function createPool(): Promise<pg.Pool> {
    const config = readDatabaseConfig(env);
    const pool = new pg.Pool({
      ...(await resolveConnectionConfig(config, { forceFetch })),
      ...poolSettings(config),
      idleTimeoutMillis: 60_000,
      keepAlive: true,
      application_name: env.AWS_LAMBDA_FUNCTION_NAME ?? 'order-pipeline',
    });
    // An idle connection that the server closes emits 'error' on the pool; without a listener
    // that would crash the process. pg already discards the broken client.
    pool.on('error', () => {});
    forceFetch = false;
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
   * `call` on the pool; after a refused login, once more on a new pool whose secret is read
   * afresh. Nothing ran on the server before a login, so the call is safe to repeat. A second
   * refusal (the secret not yet updated, mid-rotation) is the caller's to handle. pg's and the
   * secret read's errors leave here as PipelineErrors (shared/error-mapping.ts).
   */
  async function loggedIn<T>(call: (pool: pg.Pool) => Promise<T>): Promise<T> {
    try {
      return await call(await pool());
    } catch (error) {
      const mapped = toPipelineError(error);
      if (mapped.kind !== 'credentials') throw mapped;
      forceFetch = true;
      // Not awaited: the old pool ends once a connection still checked out (a transaction of
      // this very invocation) is released, which may wait for this call.
      void close().catch(() => undefined);
      try {
        return await call(await pool());
      } catch (again) {
        throw toPipelineError(again);
      }
    }
  }

  return {
    query: <Row extends pg.QueryResultRow>(config: pg.QueryConfig) => loggedIn((current) => current.query<Row>(config)),
    connect: () => loggedIn((current) => current.connect()),
    pool,
    close,
  };
}

/** The container's database (module scope: one per container, like the pool it holds). */
export const containerDatabase: Database = createDatabase();

/**
 * Ends the container's pool: a local tool or a test that used `containerDatabase` lets the process exit.
 *
 * @example
 * ```ts
 * try {
 *   await runTheEmulator();
 * } finally {
 *   await closePool();
 * }
 * ```
 */
export const closePool = (): Promise<void> => containerDatabase.close();

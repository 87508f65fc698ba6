/**
 * The one table that decides what an error of the database path means, for every function:
 * ingest (store and outage wait), the read API (503 or 500), the pool (re-reading a rotated
 * secret) and the migrations (waiting for a rotated master password). Decided by SQLSTATE class
 * and code and by the error's type, never by its message (which can quote a record's values).
 *
 *   kind         what it is                                  what the caller does
 *   unavailable  the database cannot be reached or serve     wait and retry (ingest: within its outage budget; API: 503)
 *   conflict     a lock conflict between concurrent writers  retry at once, a few times
 *   data         a value or constraint the database refused  reject the record (retrying fails the same way)
 *   credentials  the password was refused (28P01: rotated) re-read the secret, retry after a short wait
 *   defect       a bug or a misconfiguration                 fail at once, counted (IngestDefects) so an operator hears
 *
 * SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 * docs/ingest.md holds the same table with examples.
 */
import pg from 'pg';
import { ConfigError } from '../config.js';

export type ErrorKind = 'unavailable' | 'conflict' | 'data' | 'credentials' | 'defect';

/** By exact SQLSTATE first, then by its class (the first two characters); anything else is a defect. */
const BY_CODE: Readonly<Record<string, ErrorKind>> = {
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
  '55P03': 'conflict', // lock_not_available (NOWAIT, lock_timeout)
  '57014': 'unavailable', // query_canceled: the statement timeout of a database too busy to answer
  '28P01': 'credentials', // invalid_password: the secret was rotated since it was read
};

const BY_CLASS: Readonly<Record<string, ErrorKind>> = {
  '08': 'unavailable', // connection exception
  '53': 'unavailable', // insufficient resources (too many connections, out of memory, disk full)
  '57': 'unavailable', // operator intervention (admin shutdown, cannot connect now, crash shutdown)
  '58': 'unavailable', // system error (I/O error)
  '40': 'conflict', // transaction rollback
  '22': 'data', // data exception (a value out of range, a bad date)
  '23': 'data', // integrity constraint violation (check, not null, foreign key, unique)
  // Everything else is a defect or a misconfiguration: 42 (syntax, undefined table 42P01,
  // insufficient privilege 42501), 28000 (a role without LOGIN), 3D (no such database),
  // 25 (transaction state), 0A, XX, ...
};

const SQLSTATE = /^[0-9A-Z]{5}$/;
const SYSTEM_ERROR_CODE = /^E[A-Z0-9_]+$/;

function sqlStateKind(code: string): ErrorKind {
  return BY_CODE[code] ?? BY_CLASS[code.slice(0, 2)] ?? 'defect';
}

/**
 * What an error means (the table above). Errors without a SQLSTATE: Node's system errors
 * (ECONNREFUSED, ETIMEDOUT, ... also on the AggregateError of a multi-address connect) and the
 * driver's own connection failures, which pg and pg-pool raise as plain `Error`s ("Connection
 * terminated unexpectedly", connect timeout), are `unavailable`; an AWS SDK error the SDK marks
 * retryable or a server fault (reading the secret) too. A ConfigError, a TypeError and any
 * other error or thrown value is a `defect`.
 */
export function classifyError(error: unknown): ErrorKind {
  if (!(error instanceof Error)) return 'defect';
  const { code, $retryable, $fault } = error as { code?: unknown; $retryable?: unknown; $fault?: unknown };
  // No SQLSTATE class starts with "E", so EPIPE is a system error, not a SQLSTATE.
  if (typeof code === 'string' && SYSTEM_ERROR_CODE.test(code)) return 'unavailable';
  if (typeof code === 'string' && SQLSTATE.test(code)) return sqlStateKind(code);
  if (error instanceof pg.DatabaseError || error instanceof ConfigError) return 'defect';
  if ($retryable || $fault === 'server') return 'unavailable';
  return Object.getPrototypeOf(error) === Error.prototype ? 'unavailable' : 'defect';
}

/** An error for logs and metrics without its message (which can quote a record's values): kind, name, SQLSTATE and constraint. */
export function describeError(error: unknown): { error_kind: ErrorKind; error_name: string; code?: string; constraint?: string } {
  const { name, code, constraint } = (error ?? {}) as { name?: unknown; code?: unknown; constraint?: unknown };
  return {
    error_kind: classifyError(error),
    error_name: typeof name === 'string' ? name : typeof error,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof constraint === 'string' ? { constraint } : {}),
  };
}

/** A login refused for the role (SQLSTATE class 28: 28P01 another password, 28000 no LOGIN): the migrations' probe of a role. */
export function isLoginRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) && code.startsWith('28');
}

/** The read API's 503 test (functions/api/read-api.ts): the table's `unavailable`. */
export const isDatabaseUnavailable = (error: unknown): boolean => classifyError(error) === 'unavailable';

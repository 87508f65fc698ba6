import pg from 'pg';

/**
 * How the functions tell PostgreSQL errors apart, in one place: a value or constraint the
 * database refused (the rows' fault: retrying them fails the same way), or a database that cannot
 * be reached or is not serving (retry later). Decided by SQLSTATE and error types, never messages.
 */

/**
 * A data error: PostgreSQL refused a value (SQLSTATE class 22, data exception, e.g. a date out of
 * range) or a constraint (class 23, integrity constraint violation). It belongs to the rows
 * sent, not to the database's health: retrying the same rows fails the same way.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** SQLSTATE classes of an unavailable server: 08 connection exception, 53 insufficient resources, 57 operator intervention (e.g. shutdown), 58 system error. */
const OUTAGE_SQLSTATE_CLASSES = new Set(['08', '53', '57', '58']);

/**
 * The database could not be reached or is not serving, as opposed to a bug in a statement; decided
 * by the error's type, never its message. The server's own errors (pg.DatabaseError) by SQLSTATE
 * class; socket errors by their system code (ECONNREFUSED, ETIMEDOUT, ...); and the driver's own
 * connection failures, which pg and pg-pool raise as plain `Error`s ("Connection terminated",
 * connect timeout). Programming errors are TypeError, RangeError, ... and stay 500s.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return OUTAGE_SQLSTATE_CLASSES.has(error.code?.slice(0, 2) ?? '');
  if (!(error instanceof Error)) return false;
  // Node's system errors (also the AggregateError of a refused multi-address connect) carry E-codes.
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return true;
  return Object.getPrototypeOf(error) === Error.prototype;
}

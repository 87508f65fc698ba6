/**
 * What an error of the database path means, for every function: ingest (store and outage wait),
 * the read API (503 or 500), the pool (re-reading a rotated secret) and the migrations (waiting
 * for a rotated master password). The table of SQLSTATE classes and codes is the pg part of the
 * one mapping of library errors, shared/error-mapping.ts; docs/ingest.md holds it with examples.
 * `classifyError` and `describeError` are that module's, re-exported for the database's callers.
 */
import { classifyError, SQLSTATE } from '../error-mapping.js';

export { classifyError, describeError } from '../error-mapping.js';
export type { ErrorKind } from '../errors.js';

/** A login refused for the role (SQLSTATE class 28: 28P01 another password, 28000 no LOGIN): the migrations' probe of a role. */
export function isLoginRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) && code.startsWith('28');
}

/** The read API's 503 test (functions/api/read-api.ts): the table's `unavailable`. */
export const isDatabaseUnavailable = (error: unknown): boolean => classifyError(error) === 'unavailable';

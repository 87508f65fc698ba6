/**
 * The one place where errors of libraries become the project's (shared/errors.ts): pg, the AWS
 * SDK and kafkajs, and Node's own system errors underneath them. Each is decided by its codes,
 * types and flags, never by its message (a message can quote a record's values). Applied where
 * library errors enter (shared/db/pool.ts, the order transaction of shared/db/orders.ts, the
 * Kafka producer); `classifyError` maps whatever it gets, so a caller never sees two answers.
 *
 * pg (SQLSTATE: https://www.postgresql.org/docs/current/errcodes-appendix.html), by exact code
 * first, then by class (the first two characters); any other SQLSTATE is a defect:
 *   unavailable  08 connection, 53 insufficient resources, 57 operator intervention (57P01 admin
 *                shutdown), 58 system error, 57014 statement timeout; Node system errors
 *                (ECONNREFUSED, ETIMEDOUT, also on a multi-address connect's AggregateError); the
 *                driver's own connection failures, which pg and pg-pool raise as plain `Error`s
 *   conflict     40 transaction rollback (40001, 40P01), 55P03 lock not available
 *   data         22 data exception, 23 integrity constraint violation
 *   credentials  28P01 invalid password (the secret was rotated since it was read)
 *   defect       42 (syntax, 42P01, 42501), 28000 (a role without LOGIN), 3D, 25, 0A, XX, ...
 *
 * AWS SDK v3 (the Secrets Manager read), by the SDK's own flags: an error the SDK deems retryable
 * (`$retryable`: the secret reader, shared/db/secrets.ts, records there the SDK's own throttling and
 * transient judgement, @smithy/core/retry, which it loads with the SDK so that no SDK code runs at
 * init) or a server fault (`$fault: 'server'`, e.g. InternalServiceError) is `unavailable`; the node
 * http handler's network errors carry system codes (above). Any other
 * client fault is a `defect`: AccessDeniedException (an IAM policy), ResourceNotFoundException (a
 * secret ARN), DecryptionFailure (a KMS key policy) are misconfigurations that a retry does not
 * mend and an operator must hear of; `credentials` stays the database's refused password.
 * (The SDK's classification reads two fixed messages of its own, a fetch failure and an expired
 * signature; this module reads none.)
 *
 * kafkajs: KafkaJSConnectionError (and ConnectionClosed), KafkaJSRequestTimeoutError and
 * KafkaJSNumberOfRetriesExceeded are `unavailable`; a KafkaJSNonRetriableError with a cause is
 * what its cause is (kafkajs' retrier wraps the error it gave up on: a broker that went away
 * surfaces from producer.send as such a wrapper); any other kafkajs error by its `retriable`
 * flag (`unavailable`, else `defect`: a refused SASL login, an authorization failure).
 */
import { type ErrorKind, MappedError, PipelineError } from './errors.js';

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
};

export const SQLSTATE = /^[0-9A-Z]{5}$/;
const SYSTEM_ERROR_CODE = /^E[A-Z0-9_]+$/;

/** kafkajs errors that say the broker could not be reached or did not answer in time (kafkajs names them with literals). */
const KAFKA_UNAVAILABLE: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
]);

/** The fields of the libraries' errors read here (all optional: a value may come from anywhere). */
interface LibraryFields {
  name: string;
  code?: unknown;
  constraint?: unknown;
  retriable?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
}

function kindOf(error: Error): ErrorKind {
  const { name, code, retriable, $fault, $retryable } = error as Error & LibraryFields;
  // No SQLSTATE class starts with "E", so EPIPE is a system error, not a SQLSTATE.
  if (typeof code === 'string' && SYSTEM_ERROR_CODE.test(code)) return 'unavailable';
  if (typeof code === 'string' && SQLSTATE.test(code)) return BY_CODE[code] ?? BY_CLASS[code.slice(0, 2)] ?? 'defect';
  if (typeof retriable === 'boolean' && name.startsWith('KafkaJS')) {
    // kafkajs' retrier (retry/index.js) wraps what it gave up on, nested retriers again: the
    // wrapper's `cause` is what failed (a connection that ran out of retries, a refused login).
    const { cause } = error;
    if (name === 'KafkaJSNonRetriableError' && cause instanceof Error && cause !== error) return kindOf(cause);
    return KAFKA_UNAVAILABLE.has(name) || retriable ? 'unavailable' : 'defect';
  }
  if ($retryable || $fault === 'server') return 'unavailable';
  if ($fault === 'client') return 'defect';
  // pg and pg-pool raise their own connection failures as plain Errors; any subclass is someone's bug.
  return Object.getPrototypeOf(error) === Error.prototype ? 'unavailable' : 'defect';
}

const stringField = (error: unknown, field: 'code' | 'constraint'): string | undefined => {
  const value = (error as Record<string, unknown> | null | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Any thrown value as a PipelineError: ours as they are, anything else as a `MappedError` whose
 * kind follows the tables above and whose `cause` is the original. Call it where a library's
 * error enters the project; it is idempotent.
 *
 * @example
 * ```ts
 * import { toPipelineError } from '../error-mapping.js';
 *
 * const result = await pool.query(statement).catch((error: unknown) => {
 *   throw toPipelineError(error); // e.g. SQLSTATE 23505 -> kind 'data', retryable false
 * });
 * ```
 */
export function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  if (!(error instanceof Error)) return new MappedError('defect', error, { name: typeof error });
  return new MappedError(kindOf(error), error, {
    name: error.name,
    code: stringField(error, 'code'),
    constraint: stringField(error, 'constraint'),
  });
}

/** What an error means: the kind of `toPipelineError(error)`. */
export const classifyError = (error: unknown): ErrorKind => toPipelineError(error).kind;

/**
 * An error for logs and metrics without its message (which can quote a record's values): its kind,
 * and the name, code (SQLSTATE, system error code) and constraint of what was thrown (the original
 * of a mapped error).
 *
 * @example
 * ```ts
 * logger.warn('database unavailable; retrying', describeError(error));
 * // { error_kind: 'unavailable', error_name: 'error', code: '57P01' }
 * ```
 */
export function describeError(error: unknown): { error_kind: ErrorKind; error_name: string; code?: string; constraint?: string } {
  const mapped = toPipelineError(error);
  const original = mapped instanceof MappedError ? mapped.cause : mapped;
  const name = (original as { name?: unknown } | null | undefined)?.name;
  const code = stringField(original, 'code');
  const constraint = stringField(original, 'constraint');
  return {
    error_kind: mapped.kind,
    error_name: typeof name === 'string' ? name : typeof original,
    ...(code === undefined ? {} : { code }),
    ...(constraint === undefined ? {} : { constraint }),
  };
}

/**
 * The one error model of the project (functions, shared code, local tools and the web page):
 * every error we throw is a `PipelineError`, which carries its `kind` and whether a retry can
 * help (`retryable`), as Powertools' utilities give each of their errors one base class
 * (`BatchProcessingError`, event-handler's `HttpError`). Errors of libraries (pg, the AWS SDK,
 * kafkajs) become one where they enter: `toPipelineError` (shared/error-mapping.ts).
 *
 *   kind         what it is                                  what the caller does
 *   unavailable  a dependency cannot be reached or serve     wait and retry (ingest: within its outage budget; HTTP: 503)
 *   conflict     a lock conflict between concurrent writers  retry at once, a few times
 *   data         a value the system refused                  reject it (retrying fails the same way; HTTP: its 4xx)
 *   credentials  a password or sign-in was refused           re-read the secret (sign in again), then retry
 *   defect       a bug or a misconfiguration                 fail at once, counted (IngestDefects) so an operator hears
 *
 * This module imports nothing, so that the web page (functions/api/web/browser) can use it too.
 */

export type ErrorKind = 'unavailable' | 'conflict' | 'data' | 'credentials' | 'defect';

/** Whether a retry can help, by kind. */
export const RETRYABLE_KINDS: Readonly<Record<ErrorKind, boolean>> = {
  unavailable: true,
  conflict: true,
  credentials: true,
  data: false,
  defect: false,
};

export interface PipelineErrorOptions {
  /** What went wrong underneath: the library's original error, where one was mapped. */
  cause?: unknown;
}

/**
 * The base of every error the project throws. Each subclass sets `name` the one way the project
 * does, as a class field holding a string literal (bundles are minified, so a constructor's own
 * name would not survive), and passes its kind to this constructor.
 *
 * @example
 * ```ts
 * export class InvalidCursorError extends PipelineError {
 *   override readonly name = 'InvalidCursorError';
 *   constructor(message: string) {
 *     super('data', message);
 *   }
 * }
 * ```
 */
export class PipelineError extends Error {
  override readonly name: string = 'PipelineError';
  readonly kind: ErrorKind;
  /** Whether the same call can succeed later (after a wait, a new connection or a re-read secret). */
  readonly retryable: boolean;

  constructor(kind: ErrorKind, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = RETRYABLE_KINDS[kind];
  }
}

/**
 * An error that was not ours (a library's, Node's, a thrown value), mapped by `toPipelineError`.
 * `cause` is the original; `code` (a SQLSTATE, a Node system error code) and `constraint` (pg)
 * are copied from it, so that callers read them without reaching into `cause`. Its message names
 * the kind and the original's name and code only: a library's message can quote a record's values.
 */
export class MappedError extends PipelineError {
  override readonly name = 'MappedError';
  readonly code?: string;
  readonly constraint?: string;

  constructor(kind: ErrorKind, cause: unknown, fields: { name: string; code?: string; constraint?: string }) {
    super(kind, `${kind}: ${fields.name}${fields.code === undefined ? '' : ` ${fields.code}`}`, { cause });
    if (fields.code !== undefined) this.code = fields.code;
    if (fields.constraint !== undefined) this.constraint = fields.constraint;
  }
}

/**
 * The HTTP side of the one error model (shared/errors.ts): domain code returns data or throws
 * ApiErrors (PipelineErrors with a status and a stable `code`), and the error middleware
 * (shared/http/middleware.ts) renders every thrown value with `toApiError` and `problemDetails`
 * as RFC 9457 problem details (served as `application/problem+json`), with its headers.
 */
import createError from 'http-errors';
import { toPipelineError } from '../error-mapping.js';
import { type ErrorKind, PipelineError } from '../errors.js';
import type { Violation } from '../order/validate.js';

/** Each error code and its problem type's title (the same for every occurrence; `detail` says what happened). */
export const PROBLEM_TITLES = {
  bad_request: 'The request is malformed',
  invalid_order_uid: 'The order_uid is malformed',
  invalid_order: 'The order breaks the order contract',
  invalid_json: 'The body is not JSON',
  invalid_encoding: 'The body is not UTF-8',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  payload_too_large: 'The body is too large',
  unsupported_media_type: 'Unsupported media type',
  internal_error: 'Internal error',
  service_unavailable: 'Service unavailable',
} as const;
export type ErrorCode = keyof typeof PROBLEM_TITLES;
export const ERROR_CODES = Object.keys(PROBLEM_TITLES) as ErrorCode[];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * A problem type's URI (RFC 9457 section 3.1.1: an identifier, which need not resolve): a tag URI
 * (RFC 4151) under the reserved `.example` domain, ending in the error code.
 */
export const problemType = (code: ErrorCode): string => `tag:order-pipeline.example,2026:problem:${code}`;

/** RFC 9457 problem details, with this API's extensions `code` and (for a refused order) `violations`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  violations?: Violation[];
}

export interface ApiErrorExtra {
  headers?: Record<string, string>;
  violations?: Violation[];
  /** What went wrong underneath (logged for 5xx, never sent). */
  cause?: unknown;
}

/** The kind of an HTTP status: a client's error is `data`, 503 `unavailable`, any other 5xx a `defect`. */
const kindOfStatus = (status: number): ErrorKind => (status < 500 ? 'data' : status === 503 ? 'unavailable' : 'defect');

/**
 * An HTTP problem: its status, its `code` and a message written for clients (also for a 503).
 * It has the fields of an http-errors error (`statusCode`, `status`, `expose`, `headers`), so
 * that middy's middlewares recognize it.
 */
export class ApiError extends PipelineError {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  readonly status: number;
  readonly expose = true;
  readonly headers?: Record<string, string>;
  readonly violations?: Violation[];

  constructor(
    status: number,
    readonly code: ErrorCode,
    message: string,
    extra: ApiErrorExtra = {},
  ) {
    super(kindOfStatus(status), message, { cause: extra.cause });
    this.statusCode = this.status = status;
    if (extra.headers) this.headers = extra.headers;
    if (extra.violations) this.violations = extra.violations;
  }
}

/**
 * An ApiError (the functions' way to say an HTTP problem).
 *
 * @example
 * ```ts
 * throw apiError(404, 'not_found', `order ${orderUid} not found`);
 * ```
 */
export const apiError = (status: number, code: ErrorCode, message: string, extra: ApiErrorExtra = {}): ApiError =>
  new ApiError(status, code, message, extra);

/** The one rendering of an error's body; `instance`: the request's path (the occurrence). */
export function problemDetails(error: ApiError, instance?: string): ProblemDetails {
  return {
    type: problemType(error.code),
    title: PROBLEM_TITLES[error.code],
    status: error.statusCode,
    detail: error.message,
    ...(instance === undefined ? {} : { instance }),
    code: error.code,
    ...(error.violations ? { violations: error.violations } : {}),
  };
}

/** Whether `error` is one of the API's own errors (it carries its status and problem code). */
export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

const DEFAULT_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'service_unavailable',
};

/** Retry-After (seconds) of a 503 rendered from an error's kind. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Any thrown value as an ApiError, the one mapping of errors to statuses: ours as they are;
 * another middleware's 4xx http error with a code for its status; any other error by its kind
 * (shared/error-mapping.ts): one a retry can help (`unavailable`, `conflict`, `credentials`) as a
 * 503 with Retry-After, everything else (a bug, a misconfiguration) as a bare 500 that says
 * nothing about the cause.
 *
 * @example
 * ```ts
 * toApiError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
 * // 503 service_unavailable, headers { 'retry-after': '5' }
 * ```
 */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) return error;
  if (createError.isHttpError(error) && error.expose && error.statusCode < 500) {
    return apiError(error.statusCode, DEFAULT_CODES[error.statusCode] ?? 'bad_request', error.message, { cause: error });
  }
  if (!createError.isHttpError(error) && toPipelineError(error).retryable) {
    return apiError(503, 'service_unavailable', 'a service the request needs is unavailable; try again shortly', {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      cause: error,
    });
  }
  return apiError(500, 'internal_error', 'internal error', { cause: error });
}

/** Name, message and code only: a stack or a cause could carry request data. */
export function describeError(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'unknown', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

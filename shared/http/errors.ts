/**
 * The one HTTP error model of both functions: domain code returns data or throws these
 * (http-errors objects with a stable `code`), and the error middleware (shared/http/middleware.ts)
 * renders every one of them as RFC 9457 problem details (`problemDetails`, served as
 * `application/problem+json`), with its headers.
 */
import createError, { type HttpError } from 'http-errors';
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

export interface ApiError extends HttpError {
  code: ErrorCode;
  violations?: Violation[];
}

/** `cause`: what went wrong underneath (logged for 5xx, never sent). */
export function apiError(
  status: number,
  code: ErrorCode,
  message: string,
  extra: { headers?: Record<string, string>; violations?: Violation[]; cause?: unknown } = {},
): ApiError {
  const error = createError(status, message, { code }) as ApiError;
  if (extra.headers) error.headers = extra.headers;
  if (extra.violations) error.violations = extra.violations;
  if (extra.cause !== undefined) error.cause = extra.cause;
  // Ours: the message is written for clients, also for a 503.
  error.expose = true;
  return error;
}

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

export const isApiError = (error: unknown): error is ApiError =>
  createError.isHttpError(error) && typeof (error as { code?: unknown }).code === 'string' && error.expose;

const DEFAULT_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'service_unavailable',
};

/**
 * Any thrown value as an ApiError: ours as they are; another middleware's 4xx http error with a
 * code for its status; everything else (a bug) as a bare 500 that says nothing about the cause.
 */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) return error;
  if (createError.isHttpError(error) && error.expose && error.statusCode < 500) {
    return apiError(error.statusCode, DEFAULT_CODES[error.statusCode] ?? 'bad_request', error.message, { cause: error });
  }
  return apiError(500, 'internal_error', 'internal error', { cause: error });
}

/** Name, message and code only: a stack or a cause could carry request data. */
export function describeError(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'unknown', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

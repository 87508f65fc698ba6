import createError, { type HttpError } from 'http-errors';
import type { Violation } from '../order/validate.js';

/**
 * The one HTTP error model of both functions: domain code returns data or throws these
 * (http-errors objects with a stable `code`), and the error middleware (shared/http/middleware.ts)
 * renders every one of them as `{ "error": code, "message": … }` (+ `violations`), with its headers.
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_order_uid'
  | 'invalid_order'
  | 'invalid_json'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error'
  | 'service_unavailable';

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

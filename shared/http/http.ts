import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Responses of the read API (API Gateway HTTP API, payload format 2.0: statusCode, headers,
 * body, isBase64Encoded; see
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 * Every response carries the security headers; every error has one shape:
 * `{ "error": "<code>", "message": "<for people>" }`, never a stack trace or SQL.
 */
export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** Strict CSP: only same-origin scripts and styles (the page ships app.js and app.css), no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
});

export const JSON_TYPE = 'application/json; charset=utf-8';
/** Stored orders never change (first write wins): clients and CDNs may keep them for good. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const NO_STORE = 'no-store';

export function respond(statusCode: number, body: string, headers: Record<string, string>): HttpResponse {
  return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body };
}

/** A JSON body that is already text (e.g. the cached order): sent as is. */
export function jsonText(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return respond(statusCode, body, { 'content-type': JSON_TYPE, 'cache-control': NO_STORE, ...headers });
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

export type ErrorCode =
  | 'bad_request'
  | 'invalid_order_uid'
  | 'not_found'
  | 'method_not_allowed'
  | 'internal_error'
  | 'service_unavailable';

export function errorResponse(statusCode: number, error: ErrorCode, message: string, headers: Record<string, string> = {}): HttpResponse {
  return json(statusCode, { error, message }, headers);
}

/**
 * The database could not be reached or is not serving (as opposed to a bug in a statement):
 * network errors carry no SQLSTATE; SQLSTATE classes 08 (connection), 53 (resources) and
 * 57 (operator intervention, e.g. shutdown) are outages.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(08|53|57)[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ETIMEDOUT, ...
  return typeof message === 'string' && /connection|timeout|terminat/i.test(message);
}

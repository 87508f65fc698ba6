/**
 * Responses of both HTTP functions (API Gateway HTTP API, payload format 2.0: statusCode, headers,
 * body, isBase64Encoded; see
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 * The security headers are added by the middleware stack (shared/http/middleware.ts); every error
 * has one shape (shared/http/errors.ts), never a stack trace or SQL.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** Where the page may go for sign-in (shared/http/auth-config.ts); absent: no sign-in configured. */
export interface SignInEndpoints {
  tokenUrl: string;
  authorizeUrl: string;
  logoutUrl?: string | undefined;
}

/**
 * Strict CSP: only same-origin scripts and styles (the page ships app.js and app.css), no inline
 * code, no framing. Sign-in adds exactly what the authorization code flow needs: `fetch` to the
 * token endpoint (connect-src, that URL only) and the sign-in and sign-out forms' targets
 * (form-action, their origins: the identity provider redirects within its own origin, e.g. from
 * the authorize endpoint to its login page, and browsers check form-action along those redirects).
 */
function contentSecurityPolicy(signIn?: SignInEndpoints): string {
  const formTargets = signIn
    ? [...new Set([signIn.authorizeUrl, signIn.logoutUrl].filter((url) => url !== undefined).map((url) => new URL(url).origin))]
    : [];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ['connect-src', "'self'", ...(signIn ? [signIn.tokenUrl] : [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    ['form-action', "'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The headers every response of both functions carries (the middleware stack adds them): the
 * content security policy above, and no sniffing, framing, referrer or cross-origin reads.
 *
 * @example
 * ```ts
 * const headers = securityHeaders(auth && { tokenUrl: auth.tokenUrl, authorizeUrl: auth.authorizeUrl });
 * httpHandler(handler, observability, { headers: () => headers, metricsFor });
 * ```
 */
export function securityHeaders(signIn?: SignInEndpoints): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': contentSecurityPolicy(signIn),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  });
}

const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * An order carries personal data: only the signed-in user's browser may keep it (`private`: no
 * proxy or CDN), briefly, and a cache keyed by URL must not hand it to another token (`vary`).
 */
export const PRIVATE_ORDER = 'private, max-age=300';
const NO_STORE = 'no-store';

/** A response with exactly these headers (the page's assets; JSON goes through `json`). */
export function respond(statusCode: number, body: string, headers: Record<string, string>): HttpResponse {
  return { statusCode, headers, body };
}

/** A JSON body that is already text (e.g. the cached order): sent as is. */
export function jsonText(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return respond(statusCode, body, { 'content-type': JSON_TYPE, 'cache-control': NO_STORE, ...headers });
}

/**
 * A JSON response, `no-store` unless `headers` says otherwise.
 *
 * @example
 * ```ts
 * return json(202, { order_uid: order.order_uid, status: 'accepted' }, { location: `/orders/${order.order_uid}` });
 * ```
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

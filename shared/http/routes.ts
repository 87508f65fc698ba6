/**
 * The HTTP API's routes, declared once: the read and submit functions dispatch on them, the local
 * gateway enforces their authorization, and infra/ creates the API Gateway routes and JWT
 * authorizer scopes from the same table.
 *
 * Paths use API Gateway's syntax (`{order_uid}`); `$default` catches every other request and
 * reaches the read function (its JSON 404/405), so it needs the read scope too.
 */

/** OAuth 2.0 scopes, as Cognito names resource-server scopes (`<identifier>/<name>`). */
export const SCOPES = {
  read: 'orders/read',
  write: 'orders/write',
  admin: 'orders/admin',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export type RouteFunction = 'api' | 'submit';
export type HttpMethod = 'GET' | 'POST';

/** `public`: no authorizer. `jwt`: a token with one of `scopes`. `iam`: SigV4 (or jwt with `scopes` when configured). */
export type RouteAuth =
  | { kind: 'public' }
  | { kind: 'jwt'; scopes: readonly Scope[] }
  | { kind: 'iam'; scopes: readonly Scope[] };

export interface RouteSpec {
  /** API Gateway route key: `GET /orders/{order_uid}`, or `$default`. */
  readonly key: string;
  readonly method: HttpMethod | 'ANY';
  readonly path: string;
  readonly function: RouteFunction;
  readonly auth: RouteAuth;
}

const route = (method: HttpMethod, path: string, fn: RouteFunction, auth: RouteAuth): RouteSpec => ({
  key: `${method} ${path}`,
  method,
  path,
  function: fn,
  auth,
});

const PUBLIC: RouteAuth = { kind: 'public' };
const READ: RouteAuth = { kind: 'jwt', scopes: [SCOPES.read] };

export const ROUTES: readonly RouteSpec[] = [
  route('GET', '/', 'api', PUBLIC),
  route('GET', '/app.js', 'api', PUBLIC),
  route('GET', '/app.css', 'api', PUBLIC),
  route('GET', '/health', 'api', PUBLIC),
  // The page's sign-in settings (issuer, client id, endpoints): public, no personal data.
  route('GET', '/auth/config', 'api', PUBLIC),
  route('GET', '/orders', 'api', READ),
  route('GET', '/orders/{order_uid}', 'api', READ),
  route('GET', '/cache/stats', 'api', { kind: 'jwt', scopes: [SCOPES.admin] }),
  route('POST', '/orders', 'submit', { kind: 'iam', scopes: [SCOPES.write] }),
];

/** Every request no route above matches: the read function answers 404/405, after the read scope. */
export const DEFAULT_ROUTE: RouteSpec = { key: '$default', method: 'ANY', path: '$default', function: 'api', auth: READ };

/** Each route's path split into segments once: a request splits its path once and compares. */
const TEMPLATES = ROUTES.map((route) => ({ route, parts: route.path.split('/') }));

/** The route an API Gateway would select for a request (exact paths first, then `{param}` segments, then `$default`). */
export function matchRoute(method: string, path: string): { route: RouteSpec; params: Record<string, string> } {
  const wanted = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const got = path.split('/');
  for (const { route: candidate, parts } of TEMPLATES) {
    if (candidate.method !== wanted) continue;
    const params = matchPath(parts, got);
    if (params) return { route: candidate, params };
  }
  return { route: DEFAULT_ROUTE, params: {} };
}

/** The methods routes declare for `path` (of one function, if given): the `allow` of a 405. */
export function allowedMethods(path: string, fn?: RouteFunction): HttpMethod[] {
  const got = path.split('/');
  const methods = TEMPLATES.filter(({ route, parts }) => (fn === undefined || route.function === fn) && matchPath(parts, got)).map(
    ({ route }) => route.method as HttpMethod,
  );
  return [...new Set(methods)];
}

/** A path segment decoded; one that is not valid percent-encoding stays as sent (and fails validation downstream). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath(want: readonly string[], got: readonly string[]): Record<string, string> | undefined {
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index]!;
    if (part.startsWith('{') && part.endsWith('}')) {
      if (actual === '') return undefined;
      params[part.slice(1, -1)] = decodeSegment(actual);
    } else if (part !== actual) return undefined;
  }
  return params;
}

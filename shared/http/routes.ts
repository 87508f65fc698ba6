/**
 * The HTTP API's routes, declared once: the read and submit functions dispatch on them, the local
 * gateway enforces their authorization, and infra/ creates the API Gateway routes and JWT
 * authorizer scopes from the same table.
 *
 * Paths use API Gateway's syntax (`{order_uid}`); `$default` catches every other request (HEAD
 * included) and reaches the read function (its 404/405 problem details), so it needs the read
 * scope too. Route keys are typed from the table (`RouteKey`); requests select routes as API
 * Gateway does (`routeMatcher`).
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
export type RouteAuth = { kind: 'public' } | { kind: 'jwt'; scopes: readonly Scope[] } | { kind: 'iam'; scopes: readonly Scope[] };

export interface RouteSpec {
  /** API Gateway route key: `GET /orders/{order_uid}`, or `$default`. */
  readonly key: string;
  readonly method: HttpMethod | 'ANY';
  readonly path: string;
  readonly function: RouteFunction;
  readonly auth: RouteAuth;
}

const route = <M extends HttpMethod, P extends string, F extends RouteFunction>(method: M, path: P, fn: F, auth: RouteAuth) => ({
  key: `${method} ${path}` as `${M} ${P}`,
  method,
  path,
  function: fn,
  auth,
});

const PUBLIC: RouteAuth = { kind: 'public' };
const READ: RouteAuth = { kind: 'jwt', scopes: [SCOPES.read] };

/** The table with its literal keys (the type of RouteKey); ROUTES is the same array, as RouteSpecs. */
const TABLE = [
  route('GET', '/', 'api', PUBLIC),
  route('GET', '/app.js', 'api', PUBLIC),
  route('GET', '/app.css', 'api', PUBLIC),
  route('GET', '/health', 'api', PUBLIC),
  // The API's own description (OpenAPI 3.1): public, no personal data.
  route('GET', '/openapi.json', 'api', PUBLIC),
  // The page's sign-in settings (issuer, client id, endpoints): public, no personal data.
  route('GET', '/auth/config', 'api', PUBLIC),
  route('GET', '/orders', 'api', READ),
  route('GET', '/orders/{order_uid}', 'api', READ),
  route('GET', '/cache/stats', 'api', { kind: 'jwt', scopes: [SCOPES.admin] }),
  route('POST', '/orders', 'submit', { kind: 'iam', scopes: [SCOPES.write] }),
] as const;

type Table = (typeof TABLE)[number];
/** Every declared route key: a mistyped key (`'GET /order/{order_uid}'`) does not compile. */
export type RouteKey = Table['key'];
/** The route keys one function answers. */
export type RouteKeyOf<F extends RouteFunction> = Extract<Table, { function: F }>['key'];

export const ROUTES: readonly RouteSpec[] = TABLE;

/** Every request no route above matches: the read function answers 404/405, after the read scope. */
export const DEFAULT_ROUTE: RouteSpec = { key: '$default', method: 'ANY', path: '$default', function: 'api', auth: READ };

/** A route's path split once; how specific each segment is decides between routes that all match. */
interface Template {
  route: RouteSpec;
  parts: readonly string[];
  greedy: boolean;
}

const isVariable = (part: string) => part.startsWith('{') && part.endsWith('}');
const template = (spec: RouteSpec): Template => ({ route: spec, parts: spec.path.split('/'), greedy: /\{[^}]+\+\}$/.test(spec.path) });

/**
 * How API Gateway (HTTP API) selects a route, after "Routing API requests" in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html:
 * a full match of path and method first, then a route with a greedy path variable (`{proxy+}`),
 * then `$default`. Between full matches the more specific one wins: at the first segment where
 * they differ, a literal segment beats a `{variable}` (`GET /orders/recent` before
 * `GET /orders/{order_uid}`, whatever the order of declaration); a route's own method beats `ANY`
 * ("ANY matches all methods that you haven't defined for a resource").
 *
 * HEAD: a route is its method and path, and the page names no HEAD-to-GET mapping, so a HEAD
 * request matches only a HEAD or ANY route and otherwise reaches `$default` (the read scope).
 * The table declares neither: HEAD selects `$default`, and the read function decides per route
 * whether to answer it (`headServes`).
 */
function moreSpecific(a: Template, b: Template): number {
  if (a.greedy !== b.greedy) return a.greedy ? 1 : -1;
  for (let index = 0; index < Math.min(a.parts.length, b.parts.length); index++) {
    const [left, right] = [isVariable(a.parts[index]!), isVariable(b.parts[index]!)];
    if (left !== right) return left ? 1 : -1;
  }
  if (a.route.method !== b.route.method) return a.route.method === 'ANY' ? 1 : -1;
  return 0;
}

const methodMatches = (declared: RouteSpec['method'], wanted: string) => declared === wanted || declared === 'ANY';

export interface RouteMatcher {
  /** The route an API Gateway would select for a request (see `moreSpecific`), else `fallback` (`$default`). */
  matchRoute(method: string, path: string): { route: RouteSpec; params: Record<string, string> };
  /**
   * The methods the API serves at `path`, whichever function answers each, with HEAD after GET
   * where the read function answers it (`headServes`): the `Allow` of a 405 (RFC 9110, 15.5.6).
   */
  allowedMethods(path: string): AllowedMethod[];
}

/** A method a path may list in `Allow`: a declared one, or HEAD answered as its GET. */
export type AllowedMethod = HttpMethod | 'HEAD';

/**
 * Route selection over a table (ROUTES here; tests pass their own).
 *
 * @example
 * ```ts
 * const { matchRoute, allowedMethods } = routeMatcher(ROUTES);
 * matchRoute('GET', '/orders/abc'); // { route: GET /orders/{order_uid}, params: { order_uid: 'abc' } }
 * allowedMethods('/orders'); // ['GET', 'HEAD', 'POST']
 * ```
 */
export function routeMatcher(routes: readonly RouteSpec[], fallback: RouteSpec = DEFAULT_ROUTE): RouteMatcher {
  const templates = routes.map(template);
  // Most specific first: a request takes the first that matches.
  const bySpecificity = [...templates].sort(moreSpecific);
  return {
    matchRoute(method, path) {
      const wanted = method.toUpperCase();
      const got = path.split('/');
      for (const candidate of bySpecificity) {
        if (!methodMatches(candidate.route.method, wanted)) continue;
        const params = matchPath(candidate, got);
        if (params) return { route: candidate.route, params };
      }
      return { route: fallback, params: {} };
    },
    allowedMethods(path) {
      const got = path.split('/');
      const served = templates
        .filter((candidate) => candidate.route.method !== 'ANY' && matchPath(candidate, got))
        .map(({ route: spec }) => spec);
      const methods = served.flatMap((spec): AllowedMethod[] =>
        headServesThrough(spec, fallback) ? [spec.method as HttpMethod, 'HEAD'] : [spec.method as HttpMethod],
      );
      return [...new Set(methods)];
    },
  };
}

const TABLE_MATCHER = routeMatcher(ROUTES);
export const matchRoute: RouteMatcher['matchRoute'] = TABLE_MATCHER.matchRoute;
export const allowedMethods: RouteMatcher['allowedMethods'] = TABLE_MATCHER.allowedMethods;

/**
 * Whether a HEAD that arrived through `$default` may be answered as the GET `route`: only when
 * `$default`'s authorization already admits what the GET route would, so that HEAD never opens a
 * route to a token the route itself refuses (a read-only token and `/cache/stats`).
 */
export function headServes(route: RouteSpec): boolean {
  return headServesThrough(route, DEFAULT_ROUTE);
}

/** `headServes` for a HEAD that arrived through `fallback`. */
function headServesThrough(route: RouteSpec, fallback: RouteSpec): boolean {
  if (route.method !== 'GET') return false;
  if (route.auth.kind === 'public') return true;
  const admitted = fallback.auth;
  if (admitted.kind === 'public' || route.auth.kind !== 'jwt') return false;
  const { scopes } = route.auth;
  return admitted.scopes.length > 0 && admitted.scopes.every((scope) => scopes.includes(scope));
}

/** A path segment decoded; one that is not valid percent-encoding stays as sent (and fails validation downstream). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath({ parts, greedy }: Template, got: readonly string[]): Record<string, string> | undefined {
  if (greedy ? got.length < parts.length : got.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const actual = got[index]!;
    if (greedy && index === parts.length - 1) {
      const rest = got.slice(index).join('/');
      if (rest === '') return undefined;
      params[part.slice(1, -2)] = decodeSegment(rest);
    } else if (isVariable(part)) {
      if (actual === '') return undefined;
      params[part.slice(1, -1)] = decodeSegment(actual);
    } else if (part !== actual) return undefined;
  }
  return params;
}

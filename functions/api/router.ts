/**
 * Dispatch on the shared route table (shared/http/routes.ts), the same one API Gateway's routes
 * are built from: the path is matched on `rawPath`, so the function answers the same whatever
 * route delivered the request (`$default` included). A path no route declares → 404; a declared
 * path with a method this function does not serve there → 405 with `allow` listing every method
 * the API serves at that path (POST /orders included, which the submit function answers). HEAD reaches the function through
 * `$default` (see `matchRoute`): it is answered as the GET route without a body where the table
 * says `$default`'s authorization covers that route (`headServes`), else 405.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiError } from '../../shared/http/errors.js';
import type { HttpResponse } from '../../shared/http/http.js';
import { allowedMethods, headServes, matchRoute, ROUTES, type RouteKeyOf } from '../../shared/http/routes.js';

interface RouteRequest {
  params: Readonly<Record<string, string>>;
  event: APIGatewayProxyEventV2;
}

type Operation = (request: RouteRequest) => HttpResponse | Promise<HttpResponse>;

/** The read function's route keys, typed from the table: each needs an operation, a mistyped one does not compile. */
export type ApiRouteKey = RouteKeyOf<'api'>;

/** One operation per route key of the read function (`GET /orders/{order_uid}`, …). */
export type Operations = Readonly<Record<ApiRouteKey, Operation>>;

/** The read function's route keys: every one needs an operation. */
export const API_ROUTE_KEYS: readonly string[] = ROUTES.filter((route) => route.function === 'api').map((route) => route.key);

const withoutBody = (response: HttpResponse): HttpResponse => ({ ...response, body: '' });

function refuse(method: string, path: string): Promise<never> {
  const allow = allowedMethods(path);
  if (allow.length > 0) {
    return Promise.reject(
      apiError(405, 'method_not_allowed', `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, {
        headers: { allow: allow.join(', ') },
      }),
    );
  }
  return Promise.reject(apiError(404, 'not_found', `no route for ${path}`));
}

/** Not `async`: the hit path of a cached order is a few promises long, and each one counts. */
export function dispatch(operations: Operations, event: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const path = event.rawPath;
  const method = event.requestContext.http.method.toUpperCase();
  const head = method === 'HEAD';
  const { route, params } = matchRoute(head ? 'GET' : method, path);
  const operation = route.function === 'api' && (!head || headServes(route)) ? operations[route.key as ApiRouteKey] : undefined;
  if (!operation) return refuse(method, path);
  const response = Promise.resolve(operation({ params, event }));
  return head ? response.then(withoutBody) : response;
}

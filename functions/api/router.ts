import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { errorResponse, isDatabaseUnavailable, type HttpResponse } from '../../shared/http/http.js';

/**
 * A small path router for one Lambda behind an HTTP API `$default` (or explicit) route: the
 * path is matched on `rawPath`, so the function answers the same whatever routes the API defines.
 * Unknown path → 404, known path with another method → 405 with `allow`; a thrown database
 * outage → 503, anything else → 500, both without details for the client.
 */
export type RouteHandler = (params: string[], event: APIGatewayProxyEventV2) => HttpResponse | Promise<HttpResponse>;

export interface Route {
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST', RouteHandler>>;
}

export type ErrorReporter = (error: unknown, status: 500 | 503) => void;

export async function dispatch(routes: readonly Route[], event: APIGatewayProxyEventV2, report: ErrorReporter): Promise<HttpResponse> {
  const path = event.rawPath;
  const method = event.requestContext.http.method.toUpperCase();
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    // HEAD is GET without a body (the HTTP layer drops the body).
    const handle = route.methods[(method === 'HEAD' ? 'GET' : method) as keyof Route['methods']];
    if (!handle) {
      const allow = Object.keys(route.methods).join(', ');
      return errorResponse(405, 'method_not_allowed', `${method} is not allowed on ${path}; allowed: ${allow}`, { allow });
    }
    try {
      return await handle(match.slice(1), event);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        report(error, 503);
        return errorResponse(503, 'service_unavailable', 'the database is unavailable; try again shortly', { 'retry-after': '5' });
      }
      report(error, 500);
      return errorResponse(500, 'internal_error', 'internal error');
    }
  }
  return errorResponse(404, 'not_found', `no route for ${path}`);
}

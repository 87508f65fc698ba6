/**
 * Requests as API Gateway (HTTP API, payload format 2.0) delivers them to a function, built on the
 * AWS-shaped fixture events: a POST on test/fixtures/events/api-gateway-v2-post-orders.json (IAM
 * authorizer, JSON body), any other method on api-gateway-v2-get-order.json. Used by the tests
 * and the benchmarks. The local gateway builds its events from real HTTP requests instead
 * (local/emulators/gateway.ts); test/integration/emulators-gateway.test.ts holds both shapes together.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clone, readFixture } from './fixtures.js';

interface ApiRequest {
  method?: string;
  /** Both rawPath and requestContext.http.path. */
  path?: string;
  /** The raw query string, without `?`. */
  query?: string;
  /** Merged over the fixture's headers. */
  headers?: Readonly<Record<string, string>>;
  /** Replaces the fixture's body (`undefined`: none). */
  body?: string | undefined;
  isBase64Encoded?: boolean;
}

const FIXTURE = {
  get: readFixture<APIGatewayProxyEventV2>('events/api-gateway-v2-get-order.json'),
  post: readFixture<APIGatewayProxyEventV2>('events/api-gateway-v2-post-orders.json'),
} as const;

export function apiGatewayEvent(request: ApiRequest = {}): APIGatewayProxyEventV2 {
  const method = request.method ?? 'GET';
  const event = clone(method === 'POST' ? FIXTURE.post : FIXTURE.get);
  event.requestContext.http.method = method;
  if (request.path !== undefined) {
    event.rawPath = request.path;
    event.requestContext.http.path = request.path;
  }
  if (request.query) {
    event.rawQueryString = request.query;
    // Repeated parameters arrive joined with commas (payload format 2.0).
    const parameters: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(request.query))
      parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
    event.queryStringParameters = parameters;
  }
  if (request.headers) event.headers = { ...event.headers, ...request.headers };
  if ('body' in request) event.body = request.body;
  if (request.isBase64Encoded !== undefined) event.isBase64Encoded = request.isBase64Encoded;
  return event;
}

/** A GET of `path` (the read API's requests). */
export const apiGet = (path: string, query = ''): APIGatewayProxyEventV2 => apiGatewayEvent({ path, query });

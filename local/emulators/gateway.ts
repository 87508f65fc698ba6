/**
 * A local stand-in for the API Gateway HTTP API: a real HTTP server that turns each request into
 * a payload format 2.0 event, calls the same Lambda handler the cloud runs, and turns its result
 * back into an HTTP response. Event and result shapes follow
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * (header names lower-cased; repeated headers and query parameters joined with commas; cookies in
 * `cookies`; a result without `statusCode` is sent as a 200 JSON body).
 *
 * Routes: shared/http/routes.ts, as API Gateway selects them (`matchRoute`): POST /orders →
 * the submit function, everything else → the api function. With `functions` (the local Lambda
 * service's handlers, local/emulators/lambda/service.ts) each request is an invocation in an
 * execution environment of its own, concurrent requests in concurrent environments; without it
 * the handlers run in this process (unit and integration tests). With `auth` (the local
 * issuer's, local/emulators/oidc-issuer.ts) every non-public route is checked first as the JWT
 * authorizer would (local/emulators/jwt-authorizer.ts); without it no token is checked.
 *
 * Errors as API Gateway answers them (lambda/latest/dg/services-apigateway-errors.html): an
 * invocation Lambda rejects (a throttle: TooManyRequestsException) is a 500, a function that
 * fails or answers in the wrong shape a 502; both with {"message":"Internal Server Error"}.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { apiError, PROBLEM_CONTENT_TYPE, problemDetails } from '../../shared/http/errors.js';
import { matchRoute } from '../../shared/http/routes.js';
import { jwtAuthorizer } from './jwt-authorizer.js';
import { localLambdaContext } from './lambda-context.js';
import type { JwtAuthorizerConfig } from './oidc-issuer.js';

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** The functions behind the routes, when they do not run in this process (the local Lambda service). */
export interface GatewayFunctions {
  api: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;
  submit: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;
}

export interface GatewayOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** The JWT authorizer's issuer, audience and keys; absent: no authorizer (every route open). */
  auth?: JwtAuthorizerConfig;
  /** Invoke these (the local Lambda service) instead of importing the handlers into this process. */
  functions?: GatewayFunctions;
}

/** What the route selection and the authorizer add to the event. */
export interface EventExtras {
  pathParameters?: Record<string, string>;
  jwt?: { claims: Record<string, string>; scopes: string[] };
}

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** API Gateway's own request limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|xml|.*\+xml|javascript))/i;
const SUBMIT_HANDLER = '../../functions/submit/handler.js';

let submitHandler: Promise<LambdaHandler> | undefined;

/** Loaded on the first POST (and retried after a failure), so the gateway runs before that function exists. */
function loadSubmitHandler(): Promise<LambdaHandler> {
  submitHandler ??= (import(/* @vite-ignore */ new URL(SUBMIT_HANDLER, import.meta.url).href) as Promise<{ handler?: LambdaHandler }>)
    .then((module) => {
      if (typeof module.handler !== 'function') throw new Error('it does not export `handler`');
      return module.handler;
    })
    .catch((error: unknown) => {
      submitHandler = undefined;
      throw error;
    });
  return submitHandler;
}

/** "12/Mar/2020:19:03:58 +0000", as API Gateway writes requestContext.time. */
function requestTime(date: Date): string {
  const [, day, month, year, time] = /^\w+, (\d+) (\w+) (\d+) ([\d:]+)/.exec(date.toUTCString())!;
  return `${day!.padStart(2, '0')}/${month}/${year}:${time} +0000`;
}

export function toEvent(request: http.IncomingMessage, body: Buffer, routeKey: string, extras: EventExtras = {}): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const requestId = randomUUID();
  const rawQueryString = url.search.slice(1);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(extras.pathParameters && Object.keys(extras.pathParameters).length > 0 ? { pathParameters: extras.pathParameters } : {}),
    requestContext: {
      // Payload 2.0: the JWT authorizer's claims and scopes (values as strings).
      ...(extras.jwt ? { authorizer: { jwt: extras.jwt } } : {}),
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function send(response: http.ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== 'object' || result === null || result.statusCode === undefined) {
    // Payload 2.0: a result without statusCode is a 200 JSON body.
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode, headers).end(body);
}

function sendJson(response: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

type Authorize = ReturnType<typeof jwtAuthorizer>;

/** A Lambda service error the invocation was rejected with (throttle), rather than a failure of the function. */
const isRejectedInvocation = (error: unknown) => error instanceof Error && error.name === 'TooManyRequestsException';

/** The function's answer, or API Gateway's own error response when the invocation fails. */
async function sendInvocation(response: http.ServerResponse, invoke: () => Promise<APIGatewayProxyResultV2>): Promise<void> {
  let result: APIGatewayProxyResultV2;
  try {
    result = await invoke();
  } catch (error) {
    return sendJson(response, isRejectedInvocation(error) ? 500 : 502, { message: 'Internal Server Error' });
  }
  send(response, result);
}

async function serveFrom(
  functions: GatewayFunctions,
  authorize: Authorize | undefined,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const routed = await authorized(authorize, request, response);
  if (!routed) return;
  const { route, event } = routed;
  await sendInvocation(response, () => functions[route.function === 'submit' ? 'submit' : 'api'](event));
}

/** The request's body, route and authorizer decision as an event; undefined once an error answer is sent. */
async function authorized(authorize: Authorize | undefined, request: http.IncomingMessage, response: http.ServerResponse) {
  const body = await readBody(request);
  if (body === undefined) return sendJson(response, 413, { message: 'Request Entity Too Large' });
  const { route, params } = matchRoute(request.method ?? 'GET', new URL(request.url ?? '/', 'http://local').pathname);
  let jwt: EventExtras['jwt'];
  if (authorize && route.auth.kind !== 'public') {
    const decision = await authorize(route, request.headers.authorization);
    if (!decision.allow) return sendJson(response, decision.status, decision.body, decision.headers);
    jwt = decision.jwt;
  }
  return { route, event: toEvent(request, body, route.key, { pathParameters: params, ...(jwt ? { jwt } : {}) }) };
}

async function serve(authorize: Authorize | undefined, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const routed = await authorized(authorize, request, response);
  if (!routed) return;
  const { route, event } = routed;
  const isSubmit = route.function === 'submit';
  // Imported on first use: with `functions` this process never loads the handlers.
  let target: LambdaHandler = ((await import('../../functions/api/handler.js')) as { handler: LambdaHandler }).handler;
  if (isSubmit) {
    try {
      target = await loadSubmitHandler();
    } catch (error) {
      // Answered as the function would (problem details), not as API Gateway.
      const detail = `the submit function (functions/submit/handler.ts) could not be loaded: ${(error as Error).message}`;
      const problem = problemDetails(apiError(503, 'service_unavailable', detail), new URL(request.url ?? '/', 'http://local').pathname);
      return sendJson(response, 503, problem, { 'content-type': PROBLEM_CONTENT_TYPE });
    }
  }
  const context = localLambdaContext({
    functionName: isSubmit ? 'submit-local' : 'api-local',
    timeoutMs: 30_000,
    requestId: event.requestContext.requestId,
  });
  await sendInvocation(response, () => target(event, context));
}

export async function startGateway({ port = 0, host = '127.0.0.1', auth, functions }: GatewayOptions = {}): Promise<Gateway> {
  const authorize = auth ? jwtAuthorizer(auth) : undefined;
  const server = http.createServer((request, response) => {
    const served = functions ? serveFrom(functions, authorize, request, response) : serve(authorize, request, response);
    served.catch(() => {
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

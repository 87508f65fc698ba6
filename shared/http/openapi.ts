/**
 * The HTTP API's OpenAPI 3.1 document, generated from the route table (shared/http/routes.ts) and
 * zod schemas (the order contract, and the bodies below) with zod 4's `z.toJSONSchema`. The read
 * function serves it at GET /openapi.json; `npm run openapi` writes it to docs/openapi.json (a test
 * fails when that file is stale), and the integration tests validate every response the handlers
 * give against it, so the document cannot drift from the code.
 *
 * Besides the functions' answers it names API Gateway's own: 401/403 from the authorizers and 429
 * from throttling, bodies `{"message": "..."}` as `application/json` that an HTTP API cannot
 * customise (no gateway responses, unlike REST APIs:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html). The
 * functions' errors are `application/problem+json` (shared/http/errors.ts): the content type tells
 * a client which of the two answered.
 */
import * as z from 'zod';
import { CURSOR_PATTERN } from './cursor.js';
import { orderSchema } from '../order/schema.js';
import { ORDER_UID_PATTERN } from '../order/order-uid.js';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE } from './errors.js';
import { DEFAULT_ROUTE, headServes, ROUTES, type RouteKey, type RouteSpec, SCOPES } from './routes.js';

const registry = z.registry<{ id: string; description?: string }>();
const named = <T extends z.ZodType>(schema: T, id: string, description?: string): T => {
  registry.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};

named(orderSchema, 'Order', 'An order (money in minor units); the rules JSON Schema cannot express: schemas/order.schema.json.');
named(
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    violations: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
  'Problem',
  'RFC 9457 problem details from the functions, with the extensions `code` (stable) and `violations` (a refused order).',
);
named(
  z.strictObject({ message: z.string() }),
  'GatewayMessage',
  'API Gateway\'s own answer (cannot be customised), e.g. {"message":"Unauthorized"}, {"message":"Forbidden"}, ' +
    '{"message":"Too Many Requests"}.',
);
const summary = z.strictObject({
  order_uid: z.string(),
  date_created: z.string(),
  customer_id: z.string(),
  amount: z.int().nonnegative(),
  currency: z.string(),
  item_count: z.int().nonnegative(),
  delivery_city: z.string(),
});
named(
  z.strictObject({ orders: z.array(summary), next_cursor: z.string().nullable() }),
  'OrderPage',
  'Newest orders first; pass next_cursor back unchanged.',
);
named(
  z.union([
    z.strictObject({ status: z.literal('ok'), database: z.literal('reachable') }),
    z.strictObject({
      status: z.literal('unavailable'),
      database: z.literal('unreachable'),
      error: z.literal('service_unavailable'),
      message: z.string(),
    }),
  ]),
  'Health',
);
const count = z.int().nonnegative();
named(
  z.strictObject({
    entries: count,
    bytes: count,
    max_entries: count,
    max_bytes: count,
    ttl_seconds: count.nullable(),
    hits: count,
    misses: count,
    loads: count,
    evictions: count,
    hit_ratio: z.number().min(0).max(1).nullable(),
    container_age_seconds: count,
  }),
  'CacheStats',
);
named(
  z.strictObject({
    issuer: z.string(),
    client_id: z.string(),
    authorize_url: z.string(),
    token_url: z.string(),
    logout_url: z.string().nullable(),
    scopes: z.string(),
  }),
  'AuthConfig',
  'The sign-in settings of the page (OpenID Connect issuer and the authorization code flow with PKCE).',
);
named(z.strictObject({ order_uid: z.string(), status: z.literal('accepted') }), 'Accepted');

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
type Json = Record<string, unknown>;

const problemResponse = (description: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
});
const jsonResponse = (description: string, schema: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema) } },
});
const textResponse = (type: string): Json => ({ description: 'The page asset', content: { [type]: { schema: { type: 'string' } } } });
const header = (description: string, schema: Json = { type: 'string' }, required = false): Json => ({ description, required, schema });
const RETRY_AFTER = { 'Retry-After': header('Seconds to wait before retrying', { type: 'string', pattern: '^[0-9]+$' }, true) };

interface OperationDoc {
  operationId: string;
  summary: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

/** One entry per route key of the table: a route added without its description does not compile. */
const OPERATIONS: Readonly<Record<RouteKey, OperationDoc>> = {
  'GET /': { operationId: 'getPage', summary: 'The order lookup page', responses: { 200: textResponse('text/html') } },
  'GET /app.js': { operationId: 'getPageScript', summary: "The page's script", responses: { 200: textResponse('text/javascript') } },
  'GET /app.css': { operationId: 'getPageStyles', summary: "The page's stylesheet", responses: { 200: textResponse('text/css') } },
  'GET /health': {
    operationId: 'getHealth',
    summary: 'Whether the database answers (cached orders are served either way)',
    responses: { 200: jsonResponse('The database is reachable', 'Health'), 503: jsonResponse('The database is unreachable', 'Health') },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
  },
  'GET /auth/config': {
    operationId: 'getAuthConfig',
    summary: "The page's sign-in settings",
    responses: { 200: jsonResponse('Sign-in is configured', 'AuthConfig'), 404: problemResponse('Sign-in is not configured') },
  },
  'GET /orders': {
    operationId: 'listOrders',
    summary: 'The newest orders, with keyset pagination',
    parameters: [
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Orders a page (default 20)',
        schema: { type: 'integer', minimum: 1, maximum: 100 },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'next_cursor of the previous page, unchanged (opaque); empty or absent: the first page',
        schema: { type: 'string', pattern: CURSOR_PATTERN.source },
      },
    ],
    responses: {
      200: jsonResponse('A page of order summaries', 'OrderPage'),
      400: problemResponse('A malformed limit or cursor'),
      503: problemResponse('The database is unavailable', RETRY_AFTER),
    },
  },
  'GET /orders/{order_uid}': {
    operationId: 'getOrder',
    summary: 'One order, exactly as it was sent (orders never change once stored)',
    parameters: [
      { name: 'order_uid', in: 'path', required: true, schema: { type: 'string', pattern: ORDER_UID_PATTERN.source } },
      {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'An ETag of this order: 304 if it matches',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: jsonResponse('The order', 'Order', { ETag: header('Strong entity tag from the stored content fingerprint', undefined, true) }),
      304: { description: 'Not modified: the ETag matches', headers: { ETag: header('The same entity tag', undefined, true) } },
      400: problemResponse('A malformed order_uid'),
      404: problemResponse('No order with this order_uid'),
      503: problemResponse('The database is unavailable and the order is not cached', RETRY_AFTER),
    },
  },
  'GET /cache/stats': {
    operationId: 'getCacheStats',
    summary: "The answering instance's order cache",
    responses: { 200: jsonResponse('Cache statistics', 'CacheStats') },
  },
  'POST /orders': {
    operationId: 'submitOrder',
    summary: 'Queue an order (the consumer stores it; GET /orders/{order_uid} reads it once stored)',
    requestBody: { required: true, content: { 'application/json': { schema: ref('Order') } } },
    responses: {
      202: jsonResponse('Accepted: queued on the orders topic', 'Accepted', {
        Location: header('Where the order will be readable', undefined, true),
      }),
      400: problemResponse('Not UTF-8, not JSON, or the order breaks the contract (every violation listed)'),
      413: problemResponse('The body is larger than 256 KiB'),
      415: problemResponse('Not application/json, or a charset other than UTF-8'),
      503: problemResponse('The broker is unavailable: nothing was accepted', RETRY_AFTER),
    },
  },
};

/** Statuses API Gateway itself answers for a route (bodies it does not let us shape), and the function's 500. */
function gatewayResponses(route: RouteSpec): Record<string, Json> {
  const gateway = (description: string) => jsonResponse(`${description} (API Gateway; not customisable)`, 'GatewayMessage');
  return {
    ...(route.auth.kind === 'public'
      ? {}
      : {
          401: gateway('No valid token (or, for SigV4, no valid signature)'),
          403: gateway(
            route.auth.kind === 'iam'
              ? 'The signature or the IAM policy refuses the request, or the token lacks the scope'
              : "The token lacks the route's scope",
          ),
        }),
    429: gateway("Throttled by the stage's rate or burst limit"),
    500: {
      description:
        'A defect: problem details from the function, or API Gateway\'s {"message":"Internal Server Error"} when the function fails',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') }, 'application/json': { schema: ref('GatewayMessage') } },
    },
  };
}

function security(route: RouteSpec): Json[] {
  if (route.auth.kind === 'public') return [];
  if (route.auth.kind === 'iam') return [{ sigv4: [] }, { jwt: [...route.auth.scopes] }];
  return [{ jwt: [...route.auth.scopes] }];
}

function operation(route: RouteSpec): Json {
  const doc = OPERATIONS[route.key as RouteKey];
  return {
    ...doc,
    security: security(route),
    responses: { ...doc.responses, ...gatewayResponses(route) },
  };
}

function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', uri: (id) => `#/components/schemas/${id}` });
  const bare = ({ $schema: _dialect, $id: _id, ...rest }: Json) => rest;
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema as Json)]));
}

/**
 * HEAD of a GET route, where the read function answers it: it arrives through `$default` (so
 * with `$default`'s authorization), with the GET's statuses and headers and no body.
 */
function headOperation(route: RouteSpec): Json {
  const doc = OPERATIONS[route.key as RouteKey];
  const bodiless = (responses: Record<string, Json>) =>
    Object.fromEntries(Object.entries(responses).map(([status, { content: _body, ...response }]) => [status, response]));
  return {
    operationId: `${doc.operationId}Head`,
    summary: `${doc.summary} (headers only)`,
    ...(doc.parameters ? { parameters: doc.parameters } : {}),
    security: security(DEFAULT_ROUTE),
    responses: bodiless({ ...doc.responses, ...gatewayResponses(DEFAULT_ROUTE) }),
  };
}

const SCOPE_LIST = Object.values(SCOPES).join(', ');

/** The whole document (deterministic: the same text for the same code). */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    if (route.method === 'ANY') continue;
    const head = headServes(route) ? { head: headOperation(route) } : {};
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route), ...head };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Order pipeline HTTP API',
      version: '1.0.0',
      description: [
        'Orders by order_uid, the newest orders, order submission, health and the order page.',
        'Errors of the functions are RFC 9457 problem details (application/problem+json);',
        'API Gateway\'s own 401/403/429 are application/json {"message": ...}. See docs/api.md.',
        "HEAD reaches API Gateway's $default route (a token with orders/read) and is answered as GET without a body",
        'where that GET needs no more than orders/read; elsewhere (GET /cache/stats) it is 405.',
      ].join(' '),
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An access token of the sign-in issuer (GET /auth/config) with the route's scope: ${SCOPE_LIST}.`,
        },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (IAM authorization, execute-api:Invoke); with -c submitAuth=jwt a token with orders/write instead.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

/** The document as JSON text, as docs/openapi.json holds it. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

import http from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { type EventExtras, startGateway, toEvent, type Gateway } from '../../local/emulators/gateway.js';
import { storeOrders } from '../../shared/db/orders.js';
import { closePool } from '../../shared/db/pool.js';
import type { Order } from '../../shared/order/schema.js';
import { createTestDatabase } from '../support/database.js';
import { readFixture } from '../support/fixtures.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let gateway: Gateway;

beforeAll(async () => {
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.url);
  gateway = await startGateway({ port: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await closePool();
  await database.drop();
  vi.unstubAllEnvs();
});

/** Captures the event the gateway builds for one real HTTP request. */
async function eventFor(
  options: http.RequestOptions,
  body?: Buffer,
  routeKey = '$default',
  extras: EventExtras = {},
): Promise<APIGatewayProxyEventV2> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.end(JSON.stringify(toEvent(request, Buffer.concat(chunks), routeKey, extras)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, ...options }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text) as APIGatewayProxyEventV2));
      });
      request.on('error', reject);
      request.end(body);
    });
  } finally {
    server.close();
  }
}

describe('local gateway', () => {
  it('builds payload 2.0 events with the same fields as the AWS example event', async () => {
    const aws = readFixture<APIGatewayProxyEventV2>('events/api-gateway-v2-get-order.json');
    const local = await eventFor({ path: '/orders/b563feb7b2b84b6test', headers: { accept: 'application/json' } });

    expect(Object.keys(local).sort()).toEqual(Object.keys(aws).sort());
    expect(Object.keys(local.requestContext).sort()).toEqual(Object.keys(aws.requestContext).sort());
    expect(Object.keys(local.requestContext.http).sort()).toEqual(Object.keys(aws.requestContext.http).sort());
    expect(local).toMatchObject({ version: '2.0', routeKey: '$default', rawPath: '/orders/b563feb7b2b84b6test', isBase64Encoded: false });
    expect(local.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it("adds the route's path parameters and the JWT authorizer's claims and scopes where AWS puts them", async () => {
    const aws = readFixture<APIGatewayProxyEventV2WithJWTAuthorizer>('events/api-gateway-v2-get-order-jwt.json');
    const jwt = { claims: { sub: 'dev', scope: 'orders/read' }, scopes: ['orders/read'] };
    const local = (await eventFor({ path: '/orders/b563feb7b2b84b6test' }, undefined, 'GET /orders/{order_uid}', {
      pathParameters: { order_uid: 'b563feb7b2b84b6test' },
      jwt,
    })) as APIGatewayProxyEventV2WithJWTAuthorizer;

    expect(Object.keys(local).sort()).toEqual(Object.keys(aws).sort());
    expect(Object.keys(local.requestContext).sort()).toEqual(Object.keys(aws.requestContext).sort());
    expect(local.requestContext.authorizer).toEqual({ jwt });
    expect(local.pathParameters).toEqual(aws.pathParameters);
    expect(local.routeKey).toBe(aws.routeKey);
  });

  it('joins repeated query parameters and headers with commas, moves cookies, and base64-encodes binary bodies', async () => {
    const local = await eventFor(
      {
        method: 'POST',
        path: '/x?a=1&a=2&b=%20c',
        headers: { 'x-multi': ['one', 'two'], cookie: 'k=v; n=m', 'content-type': 'application/octet-stream' },
      },
      Buffer.from([0, 1, 2, 255]),
    );

    expect(local.rawQueryString).toBe('a=1&a=2&b=%20c');
    expect(local.queryStringParameters).toEqual({ a: '1,2', b: ' c' });
    expect(local.headers['x-multi']).toBe('one,two');
    expect(local.cookies).toEqual(['k=v', 'n=m']);
    expect(local.headers.cookie).toBeUndefined();
    expect(local.isBase64Encoded).toBe(true);
    expect(Buffer.from(local.body!, 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('serves the read API over real HTTP with the handler status, headers and body', async () => {
    const [order] = fakeOrders(1, 41) as [Order];
    await storeOrders([order]);

    const first = await fetch(`${gateway.url}/orders/${order.order_uid}`);
    const second = await fetch(`${gateway.url}/orders/${order.order_uid}`);

    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await second.json()).toEqual(order);
    expect(second.headers.get('content-security-policy')).toContain("default-src 'self'");
    const page = await fetch(`${gateway.url}/orders?limit=1&limit=2`);
    expect(page.status).toBe(400);
  });

  it('routes POST /orders to the submit function, not to the read API', async () => {
    const response = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = (await response.json()) as { code?: string; violations?: unknown[] };

    // The submit function's 400 (an empty order breaks the contract, before any broker is
    // needed); the read API would have said 405.
    expect(response.status).toBe(400);
    expect(answer.code).toBe('invalid_order');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.violations).toEqual(expect.any(Array));
  });

  it('checks no token without an authorizer, as an API without one', async () => {
    const response = await fetch(`${gateway.url}/cache/stats`);
    expect(response.status).toBe(200);
  });
});

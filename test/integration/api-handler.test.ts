import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as ingestHandler } from '../../functions/ingest/handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import { METRIC } from '../../shared/metrics.js';
import type { Order } from '../../shared/order/schema.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { useTestDatabase } from '../support/database.js';
import { seedOrders } from '../support/fixtures.js';
import { ordersEvent } from '../support/kafka-events.js';
import { apiInstance } from '../support/handlers.js';
import { lambdaContext } from '../support/lambda.js';
import { expectDocumented } from '../support/openapi.js';
import { problem } from '../support/problems.js';

/** Each test builds its own read-function instance (its pool, its cache); `restart` builds a fresh one. */
let api: ReturnType<typeof apiInstance>;
const restart = async (config: Parameters<typeof apiInstance>[1] = {}) => {
  await api?.database.close();
  api = apiInstance(database.url, config);
};

/** Every response is checked against docs/openapi.json (status, content type, body schema, headers). */
async function call(method: string, path: string, query = '', headers: Record<string, string> = {}) {
  const response = await api.handler(apiGatewayEvent({ method, path, query, headers }), lambdaContext());
  expectDocumented(method, path, response);
  return response;
}
const get = (path: string, query = '') => call('GET', path, query);
const body = (response: { body?: string }) => JSON.parse(response.body ?? 'null') as Record<string, unknown>;

const database = useTestDatabase();

async function ingest(orders: ReadonlyArray<Order | Record<string, unknown>>): Promise<void> {
  const event = ordersEvent(orders);
  const response = await ingestHandler(event as KafkaEvent, lambdaContext());
  expect(response.batchItemFailures).toEqual([]);
}

beforeEach(async () => {
  await database.sql.query('TRUNCATE orders CASCADE');
  await restart();
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(() => api.database.close());

describe('GET /orders/{order_uid}', () => {
  it('returns every ingested order exactly as it was sent: same fields, values, key order and item order', async () => {
    const seeds = seedOrders().map(({ order }) => order);
    const generated = fakeOrders(10, 3, { minItems: 1, maxItems: 6 });
    await ingest([...seeds, ...generated]);

    for (const order of [...seeds, ...generated]) {
      const response = await get(`/orders/${String(order.order_uid)}`);
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body!)).toEqual(order);
      // Key order too: the text equals the input re-serialized.
      expect(response.body).toBe(JSON.stringify(order));
    }
  });

  it('answers a miss from the database, then hits from the cache, with the cache and security headers', async () => {
    const [order] = fakeOrders(1, 11) as [Order];
    await ingest([order]);

    const first = await get(`/orders/${order.order_uid}`);
    const second = await get(`/orders/${order.order_uid}`);

    expect(first.headers).toMatchObject({
      'x-cache': 'miss',
      'content-type': 'application/json; charset=utf-8',
      // Personal data: the browser may keep it briefly, no shared cache may (issue 11).
      'cache-control': 'private, max-age=300',
      vary: 'authorization',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    expect(first.headers['server-timing']).toMatch(/^db;desc="miss";dur=\d+\.\d{3}$/);
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.headers['server-timing']).toMatch(/^cache;desc="hit";dur=\d+\.\d{3}$/);
    expect(second.body).toBe(first.body);
    expect(first.headers['content-security-policy']).toContain("default-src 'self'");
    expect(first.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('counts metrics from the outcome: the cache read, and every request', async () => {
    const [order] = fakeOrders(1, 15) as [Order];
    await ingest([order]);
    const counted = vi.spyOn(Metrics.prototype, 'addMetric');

    await get(`/orders/${order.order_uid}`);
    await get(`/orders/${order.order_uid}`);
    await get('/nothing/here');

    expect(counted.mock.calls.map(([name]) => name)).toEqual([
      METRIC.CacheMiss,
      METRIC.Requests,
      METRIC.CacheHit,
      METRIC.Requests,
      METRIC.Requests,
    ]);
  });

  it('reads the database once for a miss, and once for concurrent misses of the same order', async () => {
    const [order] = fakeOrders(1, 12) as [Order];
    await ingest([order]);
    const pool = await api.database.pool();
    const queries = vi.spyOn(pool, 'query');

    const responses = await Promise.all(Array.from({ length: 5 }, () => get(`/orders/${order.order_uid}`)));

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.map((response) => response.headers['x-cache'])).toEqual(['miss', 'miss', 'miss', 'miss', 'miss']);
    expect(queries).toHaveBeenCalledTimes(1);
    await get(`/orders/${order.order_uid}`);
    expect(queries).toHaveBeenCalledTimes(1);
    const stats = body(await get('/cache/stats'));
    expect(stats).toMatchObject({ entries: 1, hits: 1, misses: 5, loads: 1, evictions: 0 });
  });

  it('answers 404 with the error shape for an unknown order, and does not cache the absence', async () => {
    const [order] = fakeOrders(1, 13) as [Order];

    const missing = await get(`/orders/${order.order_uid}`);
    expect(missing.statusCode).toBe(404);
    const instance = `/orders/${order.order_uid}`;
    expect(body(missing)).toEqual(problem(404, 'not_found', `no order with order_uid "${order.order_uid}"`, { instance }));
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(missing.headers['cache-control']).toBe('no-store');

    await ingest([order]);
    expect((await get(`/orders/${order.order_uid}`)).statusCode).toBe(200);
  });

  it.each(['bad%20id', 'a.b', 'x'.repeat(65), '%F0%9F%98%80'])('answers 400 for the invalid order_uid %s', async (id) => {
    const response = await get(`/orders/${id}`);
    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({ code: 'invalid_order_uid', status: 400 });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('evicts least recently used orders to stay under the byte bound', async () => {
    const orders = fakeOrders(6, 14, { minItems: 2, maxItems: 2 });
    await ingest(orders);
    const sizes = await Promise.all(orders.map(async (order) => Buffer.byteLength((await get(`/orders/${order.order_uid}`)).body!)));
    // Room for three orders (JSON, quoted fingerprint and key each), not four.
    const bound = Math.max(...sizes) * 3 + 400;
    {
      await restart({ cache: cacheConfigFromEnv({ CACHE_MAX_BYTES: String(bound) }) });
      for (const order of orders) await get(`/orders/${order.order_uid}`);

      const stats = body(await get('/cache/stats'));
      expect(stats.bytes).toBeLessThanOrEqual(bound);
      expect(stats.max_bytes).toBe(bound);
      expect(stats.entries).toBe(3);
      expect(stats.evictions).toBe(3);
      expect((await get(`/orders/${orders[5]!.order_uid}`)).headers['x-cache']).toBe('hit');
      expect((await get(`/orders/${orders[0]!.order_uid}`)).headers['x-cache']).toBe('miss');
    }
  });
});

describe('GET /orders (newest first)', () => {
  /** 55 orders over 5 instants, so most neighbours tie on date_created (some written with other offsets). */
  async function ingestWithTies(): Promise<Order[]> {
    const instants = [
      '2024-03-01T10:00:00Z',
      '2024-03-01T12:00:00+02:00',
      '2024-02-01T08:30:00.250Z',
      '2024-01-15T00:00:00Z',
      '2023-12-31T23:59:59.999999Z',
    ];
    const orders = fakeOrders(55, 21).map((order, index) => ({ ...order, date_created: instants[index % instants.length]! }));
    await ingest(orders.slice(0, 30));
    await ingest(orders.slice(30));
    return orders;
  }

  it('pages through every order once, in (date_created, id) descending order, with no duplicates or gaps', async () => {
    await ingestWithTies();
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await get('/orders', cursor ? `limit=20&cursor=${cursor}` : 'limit=20');
      expect(response.statusCode).toBe(200);
      const page = body(response) as { orders: Array<{ order_uid: string }>; next_cursor: string | null };
      pageSizes.push(page.orders.length);
      seen.push(...page.orders.map((summary) => summary.order_uid));
      cursor = page.next_cursor;
    } while (cursor);

    expect(pageSizes).toEqual([20, 20, 15]);
    const { rows } = await database.sql.query<{ order_uid: string }>('SELECT order_uid FROM orders ORDER BY date_created DESC, id DESC');
    expect(seen).toEqual(rows.map((row) => row.order_uid));
    expect(new Set(seen).size).toBe(55);
  });

  it('summarises each order: uid, date as sent, customer, total and currency, item count, delivery city', async () => {
    const [order] = fakeOrders(1, 22, { minItems: 3, maxItems: 3 }) as [Order];
    await ingest([order]);

    const response = await get('/orders');

    expect(response.headers['cache-control']).toBe('no-store');
    expect(body(response)).toEqual({
      orders: [
        {
          order_uid: order.order_uid,
          date_created: order.date_created,
          customer_id: order.customer_id,
          amount: order.payment.amount,
          currency: order.payment.currency,
          item_count: 3,
          delivery_city: order.delivery.city,
        },
      ],
      next_cursor: null,
    });
  });

  it('answers the first page for an empty cursor, as without one, and an empty page after an id that names no order', async () => {
    await ingestWithTies();
    const first = body(await get('/orders', 'limit=5')) as { orders: unknown[] };
    expect(body(await get('/orders', 'limit=5&cursor='))).toEqual(first);
    expect(body(await get('/orders', `cursor=${'z'.repeat(12)}`))).toEqual({ orders: [], next_cursor: null });
  });

  it('defaults to 20 orders a page', async () => {
    await ingestWithTies();
    const page = body(await get('/orders')) as { orders: unknown[]; next_cursor: string | null };
    expect(page.orders).toHaveLength(20);
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['limit=2.5'],
    ['limit=20&limit=30'],
    ['cursor=not-a-cursor!'],
    [`cursor=${Buffer.from('{"v":1,"after":"1 OR 1=1"}').toString('base64url')}`],
    [`cursor=${Buffer.from('{"v":2,"after":"5"}').toString('base64url')}`],
    [`cursor=${Buffer.from('nonsense').toString('base64url')}`],
  ])('answers 400 for %s', async (query) => {
    const response = await get('/orders', query);
    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({ code: 'bad_request', status: 400, detail: expect.any(String) });
  });
});

describe('other routes', () => {
  it('reports a reachable database on GET /health', async () => {
    const response = await get('/health');
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ status: 'ok', database: 'reachable' });
  });

  it('reports the cache on GET /cache/stats', async () => {
    const stats = body(await get('/cache/stats'));
    expect(stats).toEqual({
      entries: 0,
      bytes: 0,
      max_entries: 50_000,
      max_bytes: 64 * 1024 * 1024,
      ttl_seconds: null,
      hits: 0,
      misses: 0,
      loads: 0,
      evictions: 0,
      hit_ratio: null,
      container_age_seconds: expect.any(Number),
    });
  });

  it('serves the page, its script and its stylesheet with the security headers', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script src="/app.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|<style|style="|\son[a-z]+="/i);
    expect((await get('/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const response of [page, await get('/app.js')]) {
      expect(response.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('answers 404 JSON for an unknown path', async () => {
    const response = await get('/nothing/here');
    expect(response.statusCode).toBe(404);
    expect(body(response)).toEqual(problem(404, 'not_found', 'no route for /nothing/here', { instance: '/nothing/here' }));
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['POST', '/orders/b563feb7b2b84b6test', 'GET, HEAD'],
    ['DELETE', '/orders', 'GET, HEAD, POST'],
    ['PUT', '/health', 'GET, HEAD'],
  ])('answers 405 JSON for %s %s, with allow listing every method the API serves there', async (method, path, allow) => {
    const response = await call(method, path);
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(body(response)).toMatchObject({ code: 'method_not_allowed', status: 405 });
  });
});

describe('conditional GET /orders/{order_uid}', () => {
  it('sends a strong ETag from the stored fingerprint, the same on a miss and a hit', async () => {
    const [order] = fakeOrders(1, 51) as [Order];
    await ingest([order]);
    const { rows } = await database.sql.query<{ fingerprint: string }>(
      "SELECT encode(content_sha256, 'hex') AS fingerprint FROM orders WHERE order_uid = $1",
      [order.order_uid],
    );

    const miss = await get(`/orders/${order.order_uid}`);
    const hit = await get(`/orders/${order.order_uid}`);

    expect(miss.headers.etag).toBe(`"${rows[0]!.fingerprint}"`);
    expect(miss.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(hit.headers.etag).toBe(miss.headers.etag);
  });

  it('answers If-None-Match with 304 and no body, on a cache miss and on a hit, without an extra query', async () => {
    const [order] = fakeOrders(1, 52) as [Order];
    await ingest([order]);
    const etag = (await get(`/orders/${order.order_uid}`)).headers.etag!;
    await restart(); // a fresh instance: the next read is a miss
    const pool = await api.database.pool();
    const queries = vi.spyOn(pool, 'query');

    for (const expected of ['miss', 'hit']) {
      const response = await call('GET', `/orders/${order.order_uid}`, '', { 'if-none-match': etag });
      expect(response.statusCode).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers).toMatchObject({ etag, 'x-cache': expected, 'cache-control': 'private, max-age=300', vary: 'authorization' });
    }
    expect(queries).toHaveBeenCalledTimes(1);
  });

  it('answers 200 with the body when If-None-Match names another tag, and 304 for a list or a weak form of its tag', async () => {
    const [order] = fakeOrders(1, 53) as [Order];
    await ingest([order]);
    const etag = (await get(`/orders/${order.order_uid}`)).headers.etag!;
    const other = await call('GET', `/orders/${order.order_uid}`, '', { 'if-none-match': '"0000"' });
    expect(other.statusCode).toBe(200);
    expect(JSON.parse(other.body!)).toEqual(order);
    expect((await call('GET', `/orders/${order.order_uid}`, '', { 'if-none-match': `"0000", W/${etag}` })).statusCode).toBe(304);
    expect((await call('GET', `/orders/${order.order_uid}`, '', { 'if-none-match': '*' })).statusCode).toBe(304);
  });
});

describe('HEAD', () => {
  it('answers HEAD on an order as its GET, without the body', async () => {
    const [order] = fakeOrders(1, 54) as [Order];
    await ingest([order]);
    const response = await call('HEAD', `/orders/${order.order_uid}`);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('never runs the admin operation for HEAD /cache/stats (it arrives through $default with the read scope)', async () => {
    const response = await call('HEAD', '/cache/stats');
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.body).not.toContain('hit_ratio');
  });
});

describe('GET /openapi.json', () => {
  it('serves the OpenAPI 3.1 document, the same text as docs/openapi.json', async () => {
    const response = await get('/openapi.json');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toBe(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
    expect(JSON.parse(response.body!)).toMatchObject({ openapi: expect.stringMatching(/^3\.1\./) });
  });
});

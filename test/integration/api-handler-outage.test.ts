/**
 * A private PostgreSQL server (not the shared test server), so that stopping it mid-test
 * affects no other test file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { storeOrders } from '../../shared/db/orders.js';
import type { Order } from '../../shared/order/schema.js';
import { usePrivatePostgres } from '../support/database.js';
import { apiGet } from '../support/api-events.js';
import { apiInstance } from '../support/handlers.js';
import { lambdaContext } from '../support/lambda.js';
import { expectDocumented } from '../support/openapi.js';
import { problem } from '../support/problems.js';

const postgres = usePrivatePostgres('api-outage-pg-');

let api: ReturnType<typeof apiInstance>;

/** Every response, the 503s included, is checked against docs/openapi.json. */
async function get(path: string) {
  const response = await api.handler(apiGet(path), lambdaContext());
  expectDocumented('GET', path, response);
  return response;
}

beforeAll(() => {
  api = apiInstance(postgres.server.url, {}, { DB_CONNECT_TIMEOUT_MS: '2000' });
});
afterAll(() => api.database.close());

describe('read API during a database outage', () => {
  it('keeps serving cached orders, answers 503 for the rest, and recovers when the database is back', async () => {
    const [cached, uncached] = fakeOrders(2, 31) as [Order, Order];
    await storeOrders([cached, uncached]);
    expect((await get(`/orders/${cached.order_uid}`)).headers['x-cache']).toBe('miss');

    await postgres.server.stop();

    const hit = await get(`/orders/${cached.order_uid}`);
    expect(hit.statusCode).toBe(200);
    expect(hit.headers['x-cache']).toBe('hit');
    expect(JSON.parse(hit.body!)).toEqual(cached);

    const miss = await get(`/orders/${uncached.order_uid}`);
    expect(miss.statusCode).toBe(503);
    expect(miss.headers['cache-control']).toBe('no-store');
    // The stable error shape only: no stack, no SQL, no driver message.
    const instance = `/orders/${uncached.order_uid}`;
    const detail = 'the database is unavailable; try again shortly';
    expect(JSON.parse(miss.body!)).toEqual(problem(503, 'service_unavailable', detail, { instance }));
    expect(miss.headers['retry-after']).toBe('5');

    const list = await get('/orders');
    expect(list.statusCode).toBe(503);
    expect(JSON.parse(list.body!)).toMatchObject({ code: 'service_unavailable', status: 503 });

    const health = await get('/health');
    expect(health.statusCode).toBe(503);
    expect(JSON.parse(health.body!)).toMatchObject({ status: 'unavailable', database: 'unreachable', error: 'service_unavailable' });

    const stats = await get('/cache/stats');
    expect(stats.statusCode).toBe(200);
    expect(JSON.parse(stats.body!)).toMatchObject({ entries: 1, hits: 1 });

    await postgres.server.start();

    const recovered = await get(`/orders/${uncached.order_uid}`);
    expect(recovered.statusCode).toBe(200);
    expect(JSON.parse(recovered.body!)).toEqual(uncached);
    expect((await get('/health')).statusCode).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/ingest/handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { buildKafkaEvent } from '../../local/emulators/kafka-event.js';
import { usePrivatePostgres, withClient } from '../support/database.js';
import { lambdaContext } from '../support/fixtures.js';

// A private PostgreSQL server, because this test stops it.
const postgres = usePrivatePostgres('orders-outage-');

const orders = fakeOrders(50, 11);
const event = buildKafkaEvent(orders.map((order, index) => ({ topic: 'orders', partition: index % 2, offset: index, key: order.order_uid, value: JSON.stringify(order) })));

async function countOrders(): Promise<number> {
  const { rows } = await withClient(postgres.server.url, (client) => client.query<{ n: string }>('SELECT count(*) AS n FROM orders'));
  return Number(rows[0]?.n);
}

describe('ingest handler during a database outage', () => {
  it('throws while the database is down, stores nothing partial, and stores the batch once it is back', async () => {
    // Warm the pool with the first order, so the outage also breaks a live connection.
    const [first] = Object.values(event.records)[0]!;
    await handler({ ...event, records: { 'orders-0': [first!] } }, lambdaContext());
    await postgres.server.stop();

    await expect(handler(event, lambdaContext())).rejects.toThrow();
    await expect(handler(event, lambdaContext())).rejects.toThrow();

    await postgres.server.start();
    expect(await countOrders()).toBe(1);
    // The event-source mapping retries the same batch; the next attempt succeeds on a new connection.
    let response = await handler(event, lambdaContext()).catch(() => undefined);
    response ??= await handler(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await countOrders()).toBe(orders.length);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { usePrivatePostgres, withClient } from '../support/database.js';
import { ordersEvent } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';

// A private PostgreSQL server, because this test stops it; an instance with a 20 s outage budget.
const postgres = usePrivatePostgres('orders-outage-');
const dependencies = ingestDependencies();
const handler = createIngestHandler({ outageBudgetMs: 20_000, memoMaxEntries: 100_000 }, dependencies);
// The handler says so each time it waits for the database: what the test waits on and counts.
const warn = vi.spyOn(dependencies.observability.logger, 'warn');
const OUTAGE_WAIT = 'database unavailable; retrying within the outage budget';
const waits = () => warn.mock.calls.filter(([message]) => message === OUTAGE_WAIT).map(([, fields]) => fields as { delay_ms: number });

const orders = fakeOrders(250, 11);
const event = ordersEvent(orders, { partitions: 2 });

async function countOrders(): Promise<number> {
  const { rows } = await withClient(postgres.server.url, (client) => client.query<{ n: string }>('SELECT count(*) AS n FROM orders'));
  return Number(rows[0]?.n);
}

describe('ingest handler during a database outage', () => {
  it('waits inside the invocation while the database is down and stores the whole batch once it is back', async () => {
    // Warm the pool with the first order, so the outage also breaks a live connection.
    const [first] = Object.values(event.records)[0]!;
    await handler({ ...event, records: { 'orders-0': [first!] } }, lambdaContext());
    await postgres.server.stop();
    warn.mockClear();

    const invocation = handler(event, lambdaContext());
    // The invocation has found the database down and is waiting: now it comes back.
    await vi.waitFor(() => expect(waits().length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    await postgres.server.start();
    const response = await invocation;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(waits().length).toBeGreaterThan(0);
    expect(await countOrders()).toBe(orders.length);
  });

  it('gives up, storing nothing partial, when the function would otherwise run out of time', async () => {
    const more = fakeOrders(30, 12);
    const batch = ordersEvent(more, { firstOffset: 1_000 });
    await postgres.server.stop();
    warn.mockClear();
    try {
      // 33 s left and a 30 s safety margin: about 3 s of waiting, well under the 20 s budget.
      const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 33_000 };
      await expect(handler(batch, context)).rejects.toThrow();
      const waited = waits().reduce((sum, { delay_ms }) => sum + delay_ms, 0);
      expect(waits().length).toBeGreaterThan(0);
      expect(waited).toBeLessThanOrEqual(3_000);
    } finally {
      await postgres.server.start();
    }
    expect(await countOrders()).toBe(orders.length);
    // The event-source mapping retries the batch; now it goes through.
    expect(await handler(batch, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await countOrders()).toBe(orders.length + more.length);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { closePool } from '../../shared/db/pool.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import type { Order } from '../../shared/order/schema.js';
import { createTestDatabase } from '../support/database.js';
import { clone } from '../support/fixtures.js';
import { buildKafkaEvent, ordersEvent } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';

// The Powertools Logger reads its settings when it is created (with the handler instance): set
// them first. POWERTOOLS_DEV makes it write through the global console (the documented way to
// observe it in tests); each call is still one log record, which Lambda writes as one JSON line.
vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
vi.stubEnv('POWERTOOLS_DEV', 'true');
const handler = createIngestHandler(readIngestConfig(), ingestDependencies());

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.url);
});

afterAll(async () => {
  await closePool();
  await database.drop();
  vi.unstubAllEnvs();
});

/** The structured log records the handler writes while `work` runs, one per logger call. */
async function captureLogLines(work: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: unknown[] = [];
  const spies = (['info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((record: unknown) => void written.push(record)),
  );
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written.map((record) => JSON.parse(String(record)) as Record<string, unknown>);
}

function personalData(order: Order): string[] {
  const { name, phone, email, address, zip } = order.delivery;
  return [name, phone, email, address, zip];
}

describe('ingest handler logs', () => {
  const [good, broken, resent] = fakeOrders(3, 21) as [Order, Order, Order];

  it('logs each rejected record as one structured line with its position, order_uid and violations, and no personal data', async () => {
    const invalid = clone(broken);
    invalid.delivery.email = 'not-an-email';
    invalid.payment.goods_total += 1;
    const event: KafkaEvent = buildKafkaEvent([
      { topic: 'orders', partition: 0, offset: 1, key: good.order_uid, value: JSON.stringify(good) },
      { topic: 'orders', partition: 0, offset: 2, key: invalid.order_uid, value: JSON.stringify(invalid) },
      { topic: 'orders', partition: 1, offset: 7, key: 'k-1', value: `{"delivery": ${JSON.stringify(broken.delivery)}` },
    ]);

    const lines = await captureLogLines(() => handler(event, lambdaContext()));

    const rejections = lines.filter((line) => line.message === 'order rejected');
    expect(rejections).toHaveLength(2);
    expect(rejections[0]).toMatchObject({
      level: 'WARN',
      service: 'ingest',
      topic: 'orders',
      partition: 0,
      offset: 2,
      order_uid: invalid.order_uid,
      reason: 'invalid_order',
      violations: expect.arrayContaining([
        { path: '$.delivery.email', message: expect.any(String) },
        { path: '$.payment.goods_total', message: expect.any(String) },
      ]),
    });
    expect(rejections[1]).toMatchObject({ topic: 'orders', partition: 1, offset: 7, order_uid: 'k-1', reason: 'not_json' });
    expect(lines.find((line) => line.message === 'batch ingested')).toMatchObject({ records: 3, stored: 1, rejected: 2 });

    const everything = JSON.stringify(lines);
    for (const value of [...personalData(invalid), ...personalData(broken), ...personalData(good)]) {
      expect(everything).not.toContain(value);
    }
  });

  it('logs a re-send with different content once as a rejected conflict, keeping the first write', async () => {
    await handler(ordersEvent([resent], { firstOffset: 10 }), lambdaContext());
    const changed = { ...clone(resent), customer_id: 'changed' };
    const event = ordersEvent([changed], { firstOffset: 11 });

    const lines = await captureLogLines(() => handler(event, lambdaContext()));
    const again = await captureLogLines(() => handler(event, lambdaContext()));

    expect(lines.find((line) => line.message === 'order rejected')).toMatchObject({
      level: 'WARN',
      order_uid: resent.order_uid,
      offset: 11,
      reason: 'conflict',
      violations: [{ path: '$.order_uid', message: expect.stringContaining('different content') }],
    });
    expect(lines.find((line) => line.message === 'batch ingested')).toMatchObject({ stored: 0, conflicts: 1, rejected: 1 });
    // The re-delivery (the event-source mapping retries the failed record) is not logged again.
    expect(again.filter((line) => line.message === 'order rejected')).toEqual([]);
    expect(again.find((line) => line.message === 'batch ingested')).toMatchObject({ conflicts: 1, rejected: 1, remembered: 1 });
  });
});

import pg from 'pg';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { ingestKafkaEvent } from '../../functions/ingest/ingest-batch.js';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { RecordMemo } from '../../functions/ingest/memo.js';
import { OUTAGE_DEFAULTS } from '../../functions/ingest/outage.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import type { Order } from '../../shared/order/schema.js';
import { useTestDatabase } from '../support/database.js';
import { clone, readFixture, seedOrders } from '../support/fixtures.js';
import { buildKafkaEvent, type KafkaMessageInput } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';
import { findOrderJson } from '../support/stored-orders.js';

const TOPIC = 'orders';
const database = useTestDatabase();

// One handler instance (execution environment) per test: it remembers what it stored.
let handler = createIngestHandler(readIngestConfig(), ingestDependencies());
const invoke = (event: unknown) => handler(event as KafkaEvent, lambdaContext());
const message = (partition: number, offset: number, value: string | Buffer | null, key?: string): KafkaMessageInput => ({
  topic: TOPIC,
  partition,
  offset,
  key: key ?? null,
  value,
});
const orderMessage = (partition: number, offset: number, order: Order | Record<string, unknown>) =>
  message(partition, offset, JSON.stringify(order), String(order.order_uid));

async function tableCounts() {
  const { rows } = await database.sql.query<{ orders: string; deliveries: string; payments: string; items: string }>(
    `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM deliveries) AS deliveries,
            (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM items) AS items`,
  );
  const row = rows[0]!;
  return { orders: Number(row.orders), deliveries: Number(row.deliveries), payments: Number(row.payments), items: Number(row.items) };
}

beforeEach(async () => {
  // The kept verdicts say which orders are stored: whoever empties the orders empties them too.
  await database.sql.query('TRUNCATE orders, record_verdicts CASCADE');
  handler = createIngestHandler(readIngestConfig(), ingestDependencies());
});

describe('ingest handler', () => {
  const [stored, fresh, other] = fakeOrders(3, 1) as [Order, Order, Order];

  it('stores the valid orders of a mixed batch over several partitions and reports exactly the invalid records', async () => {
    await invoke(buildKafkaEvent([orderMessage(0, 1, stored)]));
    const invalidOrder = { ...clone(other), payment: { ...other.payment, amount: other.payment.amount + 1 } };

    const response = await invoke(
      buildKafkaEvent([
        orderMessage(0, 10, fresh), // valid
        message(0, 11, '{"order_uid": "x", '), // not JSON
        orderMessage(1, 3, fresh), // same order again in the batch
        orderMessage(1, 4, invalidOrder), // schema-invalid: amount does not add up
        orderMessage(2, 0, stored), // already stored
        { ...message(2, 1, null), value: null }, // no value at all
        orderMessage(2, 2, other), // valid
      ]),
    );

    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 11 } },
        { itemIdentifier: { partition: 'orders-1', offset: 4 } },
        { itemIdentifier: { partition: 'orders-2', offset: 1 } },
      ],
    });
    const { rows } = await database.sql.query<{ order_uid: string }>('SELECT order_uid FROM orders ORDER BY order_uid');
    expect(rows.map((row) => row.order_uid)).toEqual([stored.order_uid, fresh.order_uid, other.order_uid].sort());
    const itemCount = stored.items.length + fresh.items.length + other.items.length;
    expect(await tableCounts()).toEqual({ orders: 3, deliveries: 3, payments: 3, items: itemCount });
  });

  it('changes nothing when the same event is delivered again', async () => {
    const orders = fakeOrders(20, 2);
    const event = buildKafkaEvent([...orders.map((order, index) => orderMessage(index % 3, index, order)), message(0, 99, 'garbage')]);
    const first = await invoke(event);
    const snapshot = await database.sql.query(
      'SELECT o.*, d.*, p.* FROM orders o JOIN deliveries d ON d.order_id = o.id JOIN payments p ON p.order_id = o.id ORDER BY o.id',
    );
    const items = await database.sql.query('SELECT * FROM items ORDER BY order_id, position');

    const second = await invoke(event);

    expect(second).toEqual(first);
    expect(
      (
        await database.sql.query(
          'SELECT o.*, d.*, p.* FROM orders o JOIN deliveries d ON d.order_id = o.id JOIN payments p ON p.order_id = o.id ORDER BY o.id',
        )
      ).rows,
    ).toEqual(snapshot.rows);
    expect((await database.sql.query('SELECT * FROM items ORDER BY order_id, position')).rows).toEqual(items.rows);
  });

  it('keeps the first write and reports a re-send with different content as a failure (for the DLQ), in the batch or against the store', async () => {
    await invoke(buildKafkaEvent([orderMessage(0, 1, stored)]));
    const changed = { ...clone(stored), customer_id: 'someone-else' };
    const changedInBatch = { ...clone(fresh), locale: 'xx' };

    const response = await invoke(
      buildKafkaEvent([orderMessage(0, 2, changed), orderMessage(1, 1, fresh), orderMessage(1, 2, changedInBatch)]),
    );

    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 2 } },
        { itemIdentifier: { partition: 'orders-1', offset: 2 } },
      ],
    });
    expect(JSON.parse((await findOrderJson(stored.order_uid))!)).toEqual(stored);
    expect(JSON.parse((await findOrderJson(fresh.order_uid))!)).toEqual(fresh);
  });

  it('round-trips every field of every seed sample exactly', async () => {
    const seeds = seedOrders();
    await invoke(buildKafkaEvent(seeds.map(({ order }, index) => orderMessage(0, index, order))));
    for (const { order } of seeds) {
      expect(JSON.parse((await findOrderJson(String(order.order_uid)))!)).toStrictEqual(order);
    }
  });

  it('round-trips date_created with an offset and fractional seconds as sent, and items in their order', async () => {
    const [order] = fakeOrders(1, 3, { minItems: 5, maxItems: 5 }) as [Order];
    order.date_created = '2021-11-26T09:22:19.120+03:00';
    await invoke(buildKafkaEvent([orderMessage(0, 0, order)]));
    const text = (await findOrderJson(order.order_uid))!;
    expect(JSON.parse(text)).toStrictEqual(order);
    const { rows } = await database.sql.query<{ utc: string }>(
      `SELECT to_char(date_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS utc FROM orders`,
    );
    expect(rows[0]?.utc).toBe('2021-11-26T06:22:19.120');
  });

  it('treats re-ordered JSON keys of an already stored order as the same order, not a conflict', async () => {
    await invoke(buildKafkaEvent([orderMessage(0, 0, stored)]));
    const reordered = Object.fromEntries(Object.entries(clone(stored)).reverse());
    const warn = vi.fn();
    const outage = { ...OUTAGE_DEFAULTS, budgetMs: 0, remainingMs: () => 60_000 };
    const { store } = ingestDependencies();
    const logger = { info: vi.fn(), warn, error: vi.fn() };
    const event = buildKafkaEvent([orderMessage(0, 1, reordered)]);
    const result = await ingestKafkaEvent(event, { store, memo: new RecordMemo(10), logger, outage });
    expect(result.summary).toMatchObject({ stored: 0, duplicates: 1, conflicts: 0 });
    expect(warn).not.toHaveBeenCalled();
  });

  it('writes a small batch in one statement and a large one in one transaction of at most eight statements, whatever its size', async () => {
    const statements: string[] = [];
    const poolQuery = vi.spyOn(pg.Pool.prototype, 'query');
    const clientQuery = vi.spyOn(pg.Client.prototype, 'query');
    const record = (spy: typeof poolQuery | typeof clientQuery) =>
      spy.mock.calls.map(([config]) =>
        typeof config === 'string' ? config : ((config as { name?: string; text: string }).name ?? (config as { text: string }).text),
      );
    try {
      const sizes = [1, 150, 200, 1000, 3000];
      for (const size of sizes) {
        poolQuery.mockClear();
        clientQuery.mockClear();
        const orders = fakeOrders(size, 100 + size);
        await invoke(buildKafkaEvent(orders.map((order, index) => orderMessage(index % 4, index, order))));
        // Pool.query runs on a pooled client (Client.query) too: count what reached the database.
        statements.push(
          `${size}: ${record(clientQuery)
            .filter((text) => text !== undefined)
            .join(', ')}`,
        );
      }
      // Each invocation first looks up what other environments kept about its records (none here).
      const transaction = (chunks: number) =>
        ['select-record-verdicts', 'BEGIN', ...Array.from({ length: chunks }, () => 'insert-orders'), 'COMMIT'].join(', ');
      expect(statements).toEqual([
        '1: select-record-verdicts, insert-orders',
        `150: ${transaction(3)}`,
        `200: ${transaction(4)}`,
        `1000: ${transaction(8)}`,
        `3000: ${transaction(8)}`,
      ]);
      expect((await tableCounts()).orders).toBe(sizes.reduce((a, b) => a + b, 0));
    } finally {
      poolQuery.mockRestore();
      clientQuery.mockRestore();
    }
  });

  it('stores every other order of a large pipelined batch when the database refuses one, and rejects only that one', async () => {
    // A constraint the contract does not know: the database is the last judge (a data error, SQLSTATE 23514).
    await database.sql.query(`ALTER TABLE items ADD CONSTRAINT test_no_expensive_items CHECK (price < 1000000)`);
    try {
      const orders = fakeOrders(400, 9);
      orders[390]!.items[0]!.price = 5_000_000; // in the last chunk, after two chunks were written
      orders[390]!.items[0]!.total_price = 5_000_000;
      orders[390]!.payment.goods_total = orders[390]!.items.reduce((sum, item) => sum + item.total_price, 0);
      orders[390]!.payment.amount = orders[390]!.payment.goods_total + orders[390]!.payment.delivery_cost + orders[390]!.payment.custom_fee;
      const response = await invoke(buildKafkaEvent(orders.map((order, index) => orderMessage(index % 4, index, order))));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-2', offset: 390 } }] });
      expect((await tableCounts()).orders).toBe(399);
      expect(await findOrderJson(orders[390]!.order_uid)).toBeUndefined();
    } finally {
      await database.sql.query('ALTER TABLE items DROP CONSTRAINT test_no_expensive_items');
    }
  });

  it('writes no order for a batch without valid orders: it looks up and keeps the rejection for the retries, nothing else', async () => {
    const clientQuery = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const response = await invoke(buildKafkaEvent([message(0, 0, 'nope')]));
      expect(response.batchItemFailures).toHaveLength(1);
      const names = clientQuery.mock.calls.map(([config]) => (config as { name?: string }).name);
      expect(names).toEqual(['select-record-verdicts', 'keep-record-verdicts']);
    } finally {
      clientQuery.mockRestore();
    }
  });

  it.each([
    ['Amazon MSK', 'events/msk-aws-example.json'],
    ['self-managed Kafka', 'events/self-managed-aws-example.json'],
  ])('reports the non-JSON value of the AWS %s example event as a failure', async (_source, fixture) => {
    expect(await invoke(readFixture(fixture))).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'mytopic-0', offset: 15 } }] });
  });

  it('rejects the record the database refuses and stores the rest of a small batch in the same invocation', async () => {
    await database.sql.query(`ALTER TABLE items ADD CONSTRAINT test_no_expensive_items CHECK (price < 1000000)`);
    try {
      const [cheap, expensive] = fakeOrders(2, 5) as [Order, Order];
      expensive.items[0]!.price = 5_000_000;
      const response = await invoke(buildKafkaEvent([orderMessage(0, 0, cheap), orderMessage(0, 1, expensive)]));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 1 } }] });
      expect((await tableCounts()).orders).toBe(1);
    } finally {
      await database.sql.query('ALTER TABLE items DROP CONSTRAINT test_no_expensive_items');
    }
  });

  it('recovers on the next invocation when its database connection was dropped', async () => {
    await invoke(buildKafkaEvent([orderMessage(0, 0, stored)]));
    await database.sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const event = buildKafkaEvent([orderMessage(0, 1, fresh)]);
    // The call may hit the dead connection first: it retries within the invocation.
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect((await tableCounts()).orders).toBe(2);
  });
});

describe('what every execution environment knows about a retried batch (shared-memo.ts)', () => {
  const outage = { ...OUTAGE_DEFAULTS, budgetMs: 0, remainingMs: () => 60_000 };
  const { store } = ingestDependencies();
  /** A new execution environment: its own memo, and a logger that counts the rejections it logs. */
  const environment = () => {
    const warn = vi.fn();
    const memo = new RecordMemo(1_000);
    const rejectionsLogged = () => warn.mock.calls.filter(([text]) => text === 'order rejected').length;
    return {
      ingest: (event: KafkaEvent) => ingestKafkaEvent(event, { store, memo, logger: { info: vi.fn(), warn, error: vi.fn() }, outage }),
      rejectionsLogged,
    };
  };
  const orders = fakeOrders(65, 60);
  /** Offsets `from` to `to` of partition 0: orders, with garbage at offset 20. */
  const records = (from: number, to: number) =>
    buildKafkaEvent(
      orders
        .slice(from, to + 1)
        .map((order, index) => (from + index === 20 ? message(0, 20, 'garbage') : orderMessage(0, from + index, order))),
    );
  const keptOffsets = async () =>
    (
      await database.sql.query<{ offset: string }>(
        `SELECT entry->>'offset' AS offset FROM record_verdicts, jsonb_array_elements(verdicts) AS entry ORDER BY (entry->>'offset')::bigint`,
      )
    ).rows.map((row) => Number(row.offset));

  it('writes nothing again and logs no rejection again, whichever environment each retry lands in', async () => {
    const first = environment();
    const delivered = await first.ingest(records(0, 59));
    expect(delivered.response.batchItemFailures).toEqual([{ itemIdentifier: { partition: 'orders-0', offset: 20 } }]);
    expect(first.rejectionsLogged()).toBe(1);
    expect(await keptOffsets()).toEqual(Array.from({ length: 40 }, (_, index) => 20 + index));

    // The mapping retries from the lowest failed offset, with the records that arrived since.
    for (const retry of [environment(), environment()]) {
      const again = await retry.ingest(records(20, 64));
      expect(again.response).toEqual(delivered.response);
      expect(retry.rejectionsLogged()).toBe(0);
      expect(again.summary.remembered).toBeGreaterThanOrEqual(40);
    }
    expect((await tableCounts()).orders).toBe(64);
  });

  it('judges a record afresh when the value at a kept position differs (a topic re-created), and a redriven record at its new offset', async () => {
    await environment().ingest(records(0, 59));
    const other = environment();
    const replaced = await other.ingest(buildKafkaEvent([orderMessage(0, 20, orders[20]!), message(0, 500, 'garbage')]));
    expect(replaced.summary).toMatchObject({ stored: 1, remembered: 0, rejected: 1 });
    expect(other.rejectionsLogged()).toBe(1);
  });

  it("deletes a partition's kept verdicts below the lowest failed offset of a later batch", async () => {
    await environment().ingest(records(0, 59));
    const later = fakeOrders(10, 61).map((order, index) =>
      index === 5 ? message(0, 105, 'garbage') : orderMessage(0, 100 + index, order),
    );
    await environment().ingest(buildKafkaEvent(later));
    expect(await keptOffsets()).toEqual([105, 106, 107, 108, 109]);
  });
});

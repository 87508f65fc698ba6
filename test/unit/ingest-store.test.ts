import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { OUTAGE_DEFAULTS, type OutagePolicy } from '../../functions/ingest/outage.js';
import type { ValidRecord } from '../../functions/ingest/result.js';
import { chunkBoundaries, type OrderStore, OrderWriter, PIPELINE_CHUNKS } from '../../functions/ingest/store.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { StoreOutcome } from '../../shared/db/orders.js';
import type { Order } from '../../shared/order/schema.js';

const timings = { budgetMs: 1_000, remainingMs: () => 60_000, marginMs: 0, initialDelayMs: 1, maxDelayMs: 2 };
const policy: OutagePolicy = { ...OUTAGE_DEFAULTS, ...timings };
const valid = (order: Order, offset: number): ValidRecord => ({
  position: { topic: 'orders', partition: 0, offset },
  digest: String(offset),
  remembered: false,
  status: 'valid',
  order,
});
const serverError = (code: string, message = 'refused') => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });

/** An in-memory store (no database here: the SQL is tested in test/integration) that records each statement's order_uids. */
function memoryStore(fail: (orders: readonly Order[], call: number) => unknown = () => undefined) {
  const statements: string[][] = [];
  const stored = new Set<string>();
  const store: OrderStore = {
    async storeOrders(orders) {
      statements.push(orders.map((order) => order.order_uid));
      const error = fail(orders, statements.length);
      if (error) throw error;
      const outcomes = new Map<string, StoreOutcome>();
      for (const order of orders) outcomes.set(order.order_uid, stored.has(order.order_uid) ? 'duplicate' : 'inserted');
      for (const order of orders) stored.add(order.order_uid);
      return outcomes;
    },
  };
  return { store, statements, stored };
}

async function writeAll(store: OrderStore, orders: readonly Order[], retryPolicy = policy) {
  const writer = new OrderWriter(store, retryPolicy, orders.length);
  const records = orders.map(valid);
  for (const record of records) await writer.add(record);
  return { records, verdicts: await writer.finish() };
}

describe('chunkBoundaries (the pipelined chunks of the store)', () => {
  it.each([200, 1000, 3333, 10_000])('splits %i records into PIPELINE_CHUNKS growing chunks', (total) => {
    const ends = [...chunkBoundaries(total), total];
    const sizes = ends.map((end, index) => end - (ends[index - 1] ?? 0));
    expect(sizes).toHaveLength(PIPELINE_CHUNKS);
    expect(sizes.every((size) => size > 0)).toBe(true);
    for (let index = 1; index < sizes.length; index += 1) expect(sizes[index]).toBeGreaterThanOrEqual(sizes[index - 1]!);
    expect(sizes[0]).toBeLessThan(total / PIPELINE_CHUNKS);
  });

  it('sends a batch under 200 records in one statement', () => {
    expect(chunkBoundaries(199)).toEqual([]);
  });
});

describe('OrderWriter', () => {
  it('writes every statement sorted by order_uid and answers for every record, a repeat as a duplicate', async () => {
    const orders = fakeOrders(300, 5);
    const { store, statements } = memoryStore();
    const writer = new OrderWriter(store, policy, orders.length + 1);
    const records = [...orders, orders[0]!].map(valid);
    for (const record of records) await writer.add(record);
    const verdicts = await writer.finish();

    expect(statements).toHaveLength(PIPELINE_CHUNKS);
    for (const uids of statements) expect(uids).toEqual([...uids].sort());
    expect(statements.flat().sort()).toEqual(orders.map((order) => order.order_uid).sort());
    expect(records.map((record) => verdicts.get(record)?.status)).toEqual([...orders.map(() => 'stored'), 'duplicate']);
  });

  it('pins a data error on its order, rejects it without quoting the database, and stores all the others', async () => {
    const orders = fakeOrders(250, 6);
    const bad = orders[240]!.order_uid;
    const { store, stored } = memoryStore((batch) =>
      batch.some((order) => order.order_uid === bad)
        ? Object.assign(serverError('22P02', '"Zelda Quix"'), { constraint: 'c1' })
        : undefined,
    );
    const { records, verdicts } = await writeAll(store, orders);
    expect(records.filter((record) => verdicts.get(record)?.status === 'rejected').map((record) => record.order.order_uid)).toEqual([bad]);
    expect(stored.size).toBe(249);
    const rejected = verdicts.get(records[240]!);
    const message = 'refused by the database: SQLSTATE 22P02, constraint c1';
    expect(rejected).toMatchObject({ rejection: { reason: 'refused_by_database', violations: [{ message }] } });
    expect(JSON.stringify(rejected)).not.toContain('Zelda');
  });

  it('retries a deadlock at once and keeps what the earlier chunks stored', async () => {
    const orders = fakeOrders(400, 7);
    const deadlockOnThird = (_batch: readonly Order[], call: number) => (call === 3 ? serverError('40P01') : undefined);
    const { store, stored, statements } = memoryStore(deadlockOnThird);
    const retries: string[] = [];
    const onRetry: OutagePolicy['onRetry'] = ({ kind, delayMs }) => void retries.push(`${kind} after ${delayMs} ms`);
    const { records, verdicts } = await writeAll(store, orders, { ...policy, onRetry });
    expect(retries).toEqual(['conflict after 0 ms']);
    expect(stored.size).toBe(400);
    expect(records.every((record) => verdicts.get(record)?.status === 'stored')).toBe(true);
    // Chunks 1 and 2 are not written again.
    expect(statements.flat()).toHaveLength(400 + statements[2]!.length);
  });

  it('fails at once on a defect (a missing table), without waiting', async () => {
    const { store, statements } = memoryStore(() => serverError('42P01', 'relation "orders" does not exist'));
    await expect(writeAll(store, fakeOrders(10, 8))).rejects.toMatchObject({ code: '42P01' });
    expect(statements).toHaveLength(1);
  });

  it('gives no verdict for a record whose order the store did not answer for', async () => {
    const orders = fakeOrders(3, 9);
    const dropping: OrderStore = {
      async storeOrders(batch) {
        return new Map(batch.slice(1).map((order) => [order.order_uid, 'inserted' as const]));
      },
    };
    const { records, verdicts } = await writeAll(dropping, orders);
    expect(records.filter((record) => !verdicts.has(record))).toHaveLength(1);
  });
});

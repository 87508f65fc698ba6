import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { OUTAGE_DEFAULTS, type OutagePolicy } from '../../functions/ingest/outage.js';
import type { ValidRecord } from '../../functions/ingest/result.js';
import { byOrderUid, chunkBoundaries, chunkCount, OrderWriter, PIPELINE_MIN_RECORDS } from '../../functions/ingest/store.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { OrderStore } from '../../shared/db/orders.js';
import type { Order } from '../../shared/order/schema.js';
import { memoryOrderStore } from '../support/order-store.js';

const timings = { budgetMs: 1_000, remainingMs: () => 60_000, marginMs: 0, initialDelayMs: 1, maxDelayMs: 2 };
const policy: OutagePolicy = { ...OUTAGE_DEFAULTS, ...timings };
const valid = (order: Order, offset: number): ValidRecord => ({
  index: offset,
  position: { topic: 'orders', partition: 0, offset },
  digest: String(offset),
  remembered: false,
  status: 'valid',
  order,
});
const serverError = (code: string, message = 'refused') => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });

/** Gives `orders` to a writer in the order given (the handler gives them in lock order) and finishes. */
async function writeAll(store: OrderStore, orders: readonly Order[], retryPolicy = policy) {
  const writer = new OrderWriter(store, retryPolicy, orders.length);
  const records = orders.map(valid);
  for (const record of records) await writer.add(record);
  const results = await writer.finish();
  // Each result found by the index of its record.
  return { records, verdicts: new Map(results.map((result) => [records[result.index]!, result])) };
}

describe('chunkBoundaries (the pipelined chunks of the store)', () => {
  it.each([50, 100, 200, 1000, 3333, 10_000])('splits %i records into chunkCount growing chunks, the first small', (total) => {
    const ends = [...chunkBoundaries(total), total];
    const sizes = ends.map((end, index) => end - (ends[index - 1] ?? 0));
    expect(sizes).toHaveLength(chunkCount(total));
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(sizes.every((size) => size > 0)).toBe(true);
    for (let index = 1; index < sizes.length; index += 1) expect(sizes[index]).toBeGreaterThanOrEqual(sizes[index - 1]!);
    expect(sizes[0]).toBeLessThan(total / sizes.length);
  });

  it(`sends a batch under ${PIPELINE_MIN_RECORDS} records in one statement`, () => {
    expect(chunkBoundaries(PIPELINE_MIN_RECORDS - 1)).toEqual([]);
  });
});

describe('OrderWriter', () => {
  it('writes a batch in chunks of one transaction, in lock order, and answers for every record, a repeat as a duplicate', async () => {
    const orders = byOrderUid(fakeOrders(300, 5));
    const { store, statements, transactions, stored } = memoryOrderStore();
    const { records, verdicts } = await writeAll(store, [...orders.slice(0, 100), orders[99]!, ...orders.slice(100)]);

    expect(statements).toHaveLength(chunkCount(301));
    expect(transactions).toEqual(['committed']);
    expect(statements.flat()).toEqual(orders.map((order) => order.order_uid));
    expect(stored.size).toBe(300);
    const statuses = records.map((record) => verdicts.get(record)?.status);
    expect(statuses.filter((status) => status === 'stored')).toHaveLength(300);
    expect(statuses[100]).toBe('duplicate');
  });

  it("sends each chunk before it takes the next chunk's first order, so PostgreSQL inserts while the handler judges", async () => {
    const records = byOrderUid(fakeOrders(200, 12)).map(valid);
    const { store, statements } = memoryOrderStore();
    const writer = new OrderWriter(store, policy, records.length);
    const sentBefore: number[] = [];
    for (const record of records) {
      sentBefore.push(statements.length);
      await writer.add(record);
    }
    await writer.finish();
    const ends = chunkBoundaries(records.length);
    expect(ends.map((end) => sentBefore[end])).toEqual(ends.map((_, chunk) => chunk + 1));
    expect(statements).toHaveLength(ends.length + 1);
  });

  it('writes a batch under the pipeline threshold in one statement, without a transaction of its own', async () => {
    const orders = byOrderUid(fakeOrders(PIPELINE_MIN_RECORDS - 1, 10));
    const { store, statements, transactions } = memoryOrderStore();
    const { records, verdicts } = await writeAll(store, orders);
    expect(statements).toHaveLength(1);
    expect(transactions).toEqual([]);
    expect(records.every((record) => verdicts.get(record)?.status === 'stored')).toBe(true);
  });

  it('pins a data error on its order, rejects it without quoting the database, and stores all the others', async () => {
    const orders = byOrderUid(fakeOrders(250, 6));
    const bad = orders[240]!.order_uid;
    const { store, stored, transactions } = memoryOrderStore({
      fail: (batch) =>
        batch.some((order) => order.order_uid === bad)
          ? Object.assign(serverError('22P02', '"Zelda Quix"'), { constraint: 'c1' })
          : undefined,
    });
    const { records, verdicts } = await writeAll(store, orders);
    expect(transactions).toEqual(['abandoned']);
    expect(records.filter((record) => verdicts.get(record)?.status === 'rejected').map((record) => record.order.order_uid)).toEqual([bad]);
    expect(stored.size).toBe(249);
    const rejected = verdicts.get(records[240]!);
    const message = 'refused by the database: SQLSTATE 22P02, constraint c1';
    expect(rejected).toMatchObject({ rejection: { reason: 'refused_by_database', violations: [{ message }] } });
    expect(JSON.stringify(rejected)).not.toContain('Zelda');
  });

  it('rolls the whole transaction back on a lock conflict and writes every order again at once', async () => {
    const orders = byOrderUid(fakeOrders(400, 7));
    const deadlockOnThird = (_batch: readonly Order[], call: number) => (call === 3 ? serverError('40P01') : undefined);
    const { store, stored, statements, transactions } = memoryOrderStore({ fail: deadlockOnThird });
    const retries: string[] = [];
    const onRetry: OutagePolicy['onRetry'] = ({ kind, delayMs }) => void retries.push(`${kind} after ${delayMs} ms`);
    const { records, verdicts } = await writeAll(store, orders, { ...policy, onRetry });
    expect(retries).toEqual(['conflict after 0 ms']);
    expect(transactions).toEqual(['abandoned']);
    expect(stored.size).toBe(400);
    expect(records.every((record) => verdicts.get(record)?.status === 'stored')).toBe(true);
    // Three statements of the transaction, then all 400 orders again in one statement of its own.
    expect(statements.slice(3).flat()).toEqual(orders.map((order) => order.order_uid));
  });

  it('fails at once on a defect (a missing table), without waiting', async () => {
    const { store, statements } = memoryOrderStore({ fail: () => serverError('42P01', 'relation "orders" does not exist') });
    await expect(writeAll(store, byOrderUid(fakeOrders(10, 8)))).rejects.toMatchObject({ code: '42P01' });
    expect(statements).toHaveLength(1);
  });

  it('refuses orders out of lock order as a defect and rolls back what it sent', async () => {
    const orders = byOrderUid(fakeOrders(200, 11));
    const { store, transactions, stored } = memoryOrderStore();
    await expect(writeAll(store, [...orders].reverse())).rejects.toMatchObject({ name: 'IngestDefect' });
    expect(transactions).toEqual(['abandoned']);
    expect(stored.size).toBe(0);
  });

  it('gives no verdict for a record whose order the store did not answer for', async () => {
    const { store } = memoryOrderStore({ answered: (batch) => batch.slice(1) });
    const { records, verdicts } = await writeAll(store, byOrderUid(fakeOrders(3, 9)));
    expect(records.filter((record) => !verdicts.has(record))).toHaveLength(1);
  });
});

describe('OrderWriter keeps what its batch needs for the retries (shared-memo.ts)', () => {
  const keepAll = (answers: readonly { position: { topic: string; partition: number; offset: number }; digest: string }[]) => ({
    verdicts: answers.map(({ position, digest }) => ({ ...position, digest, status: 'acknowledged' as const })),
    prune: [],
  });

  async function write(orders: readonly Order[], fail?: Parameters<typeof memoryOrderStore>[0]) {
    const memory = memoryOrderStore(fail);
    const keptAlone = vi.spyOn(memory.store, 'keepRecordVerdicts');
    const writer = new OrderWriter(memory.store, policy, orders.length);
    for (const record of orders.map(valid)) await writer.add(record);
    const results = await writer.finish(keepAll);
    return { ...memory, keptAlone, results };
  }

  it('keeps them in the batch transaction, before its COMMIT', async () => {
    const { keptAlone, verdicts, transactions, results } = await write(byOrderUid(fakeOrders(120, 13)));
    expect(transactions).toEqual(['committed']);
    expect(keptAlone).not.toHaveBeenCalled();
    expect(verdicts.size).toBe(results.length);
  });

  it('keeps them in a statement of their own after a batch of one statement, and after a rolled-back transaction once the orders are stored again', async () => {
    const small = await write(byOrderUid(fakeOrders(PIPELINE_MIN_RECORDS - 1, 14)));
    expect(small.keptAlone).toHaveBeenCalledTimes(1);
    expect(small.verdicts.size).toBe(PIPELINE_MIN_RECORDS - 1);

    const deadlockOnSecond = (_batch: readonly Order[], call: number) => (call === 2 ? serverError('40P01') : undefined);
    const rolledBack = await write(byOrderUid(fakeOrders(120, 15)), { fail: deadlockOnSecond });
    expect(rolledBack.transactions).toEqual(['abandoned']);
    expect(rolledBack.keptAlone).toHaveBeenCalledTimes(1);
    expect(rolledBack.stored.size).toBe(120);
    expect(rolledBack.verdicts.size).toBe(120);
  });
});

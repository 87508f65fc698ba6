import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestKafkaEvent } from '../../functions/ingest/ingest-batch.js';
import { place } from '../../functions/ingest/lock-order.js';
import { RecordMemo } from '../../functions/ingest/memo.js';
import { OUTAGE_DEFAULTS } from '../../functions/ingest/outage.js';
import { createTriage } from '../../functions/ingest/triage.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { readKafkaEvent } from '../../shared/kafka/event.js';
import type { Order } from '../../shared/order/schema.js';
import { buildKafkaEvent, type KafkaMessageInput } from '../support/kafka-events.js';
import { memoryOrderStore } from '../support/order-store.js';

// The store is a stand-in that records every statement and how each transaction ended (the SQL
// and its locks run against PostgreSQL in test/integration, the six-environment test included).
const outage = { ...OUTAGE_DEFAULTS, budgetMs: 0, remainingMs: () => 60_000 };
const logger = { info: () => {}, warn: () => {}, error: () => {} };
const orders = fakeOrders(8, 2112);
/** Two contents per order_uid: the second conflicts with the first. */
const variant = (order: Order, which: number): Order => (which === 0 ? order : { ...order, locale: 'xx' });
const message = (offset: number, value: string, key?: string): KafkaMessageInput => ({
  topic: 'orders',
  partition: 0,
  offset,
  value,
  ...(key === undefined ? {} : { key }),
});

async function ingest(messages: readonly KafkaMessageInput[]) {
  const memory = memoryOrderStore();
  const result = await ingestKafkaEvent(buildKafkaEvent(messages), { store: memory.store, memo: new RecordMemo(1_000), logger, outage });
  const outcomes = result.results.map((record) => (record.status === 'rejected' ? record.rejection.reason : record.status));
  return { outcomes, stored: [...memory.stored].sort(), statements: memory.statements, transactions: memory.transactions };
}

const sorted = (uids: readonly string[]) => uids.every((uid, index) => index === 0 || uids[index - 1]! <= uid);

describe('place (lock order before reading)', () => {
  it('places keyed records by their keys without reading them, and reads a keyless (or empty-keyed) one to place it', () => {
    const event = buildKafkaEvent([
      message(0, JSON.stringify(orders[0]), 'm'),
      message(1, JSON.stringify(orders[1])),
      message(2, JSON.stringify(orders[2]), ''),
      message(3, '{"order_uid":"a"', 'b'),
    ]);
    const unread = [...readKafkaEvent(event).records].map((raw, index) => ({ index, position: raw.position, raw }));
    const placed = place(unread, createTriage(), 'key');
    const expected = [
      { index: 0, claimed: 'm' },
      { index: 1, claimed: orders[1]!.order_uid },
      { index: 2, claimed: orders[2]!.order_uid },
      { index: 3, claimed: 'b' },
    ].sort((a, b) => (a.claimed < b.claimed ? -1 : 1));
    expect(placed.map(({ index, claimed }) => ({ index, claimed }))).toEqual(expected);
    expect(placed.filter((record) => record.read !== undefined).map((record) => record.index)).toEqual(
      expected.filter(({ index }) => index === 1 || index === 2).map(({ index }) => index),
    );
    // By value: every record read, the unreadable one claiming nothing.
    const byValue = place(unread, createTriage(), 'value');
    expect(byValue.every((record) => record.read !== undefined)).toBe(true);
    expect(byValue[0]).toMatchObject({ index: 3, claimed: '' });
  });
});

describe('ingest in key order', () => {
  it('writes a keyed batch in order_uid order in one transaction, without reading a record before PostgreSQL starts', async () => {
    const many = fakeOrders(120, 2113);
    const { outcomes, statements, transactions } = await ingest(
      many.map((order, offset) => message(offset, JSON.stringify(order), order.order_uid)),
    );
    expect(outcomes.every((outcome) => outcome === 'stored')).toBe(true);
    expect(transactions).toEqual(['committed']);
    expect(statements.length).toBeGreaterThan(1);
    expect(sorted(statements.flat())).toBe(true);
  });

  it('rolls back and writes again by value when a key names another order_uid late in a pipelined batch', async () => {
    const many = fakeOrders(120, 2114);
    const sortedUids = many.map((order) => order.order_uid).sort();
    // The order first in lock order claims, by its key, to come last: it is judged after chunks were sent.
    const messages = many.map((order, offset) => message(offset, JSON.stringify(order), order.order_uid));
    const liar = many.findIndex((order) => order.order_uid === sortedUids[0]);
    messages[liar] = { ...messages[liar]!, key: '\uffff' };
    const keyed = await ingest(messages);
    expect(keyed.transactions).toEqual(['abandoned', 'committed']);
    expect(keyed.stored).toEqual(sortedUids);
    expect(keyed.outcomes.every((outcome) => outcome === 'stored')).toBe(true);
    // The committed transaction wrote every order once, in lock order.
    expect(keyed.statements.flat().slice(-many.length)).toEqual(sortedUids);
  });

  it('keeps the first record of an order_uid in event order even when a lying key places it later', async () => {
    const [order] = orders as [Order];
    // Record 0 holds the order under a key that sorts last; record 1 a conflicting content under the true key.
    const messages = [message(0, JSON.stringify(order), '\uffff'), message(1, JSON.stringify(variant(order, 1)), order.order_uid)];
    expect((await ingest(messages)).outcomes).toEqual(['stored', 'conflict']);
  });

  it('opens no transaction for a producer that keys by something else: the first valid order shows it', async () => {
    const many = fakeOrders(60, 2115);
    const { transactions, outcomes } = await ingest(many.map((order, offset) => message(offset, JSON.stringify(order), order.customer_id)));
    expect(transactions).toEqual(['committed']);
    expect(outcomes.every((outcome) => outcome === 'stored')).toBe(true);
  });

  it('decides every generated batch exactly as without keys, whatever the keys say (truthful, absent, lying, junk)', async () => {
    const record = fc.record({
      uid: fc.integer({ min: 0, max: orders.length - 1 }),
      content: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.constant(-1) },
      ),
      key: fc.oneof(
        { weight: 6, arbitrary: fc.constant<'true' | 'none'>('true') },
        { weight: 2, arbitrary: fc.constant<'true' | 'none'>('none') },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: orders.length - 1 }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 130 }), async (records) => {
        const messages = records.map(({ uid, content, key }, offset) => {
          const order = orders[uid]!;
          const value = content < 0 ? `{"order_uid":"${order.order_uid}"` : JSON.stringify(variant(order, content));
          const claim =
            key === 'true' ? order.order_uid : key === 'none' ? undefined : typeof key === 'number' ? orders[key]!.order_uid : key;
          return message(offset, value, claim);
        });
        const keyed = await ingest(messages);
        const keyless = await ingest(messages.map(({ key: _key, ...rest }) => rest));
        expect(keyed.outcomes).toEqual(keyless.outcomes);
        expect(keyed.stored).toEqual(keyless.stored);
        expect(keyed.transactions.filter((end) => end !== 'abandoned')).toEqual(keyless.transactions);
        for (const uids of keyed.statements) expect(sorted(uids)).toBe(true);
      }),
      { numRuns: 150, seed: 20261207 },
    );
  });
});

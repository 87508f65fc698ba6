import { isDataError } from '../../shared/db/errors.js';
import type { OrderTransaction, StoreOutcome } from '../../shared/db/orders.js';
import type { Order } from '../../shared/order/schema.js';
import { NotAnOutage, type OutagePolicy, retryDuringOutage } from './outage.js';

/**
 * How a batch of valid orders (distinct order_uids) reaches PostgreSQL; the rest of ingest does
 * not know. Round trips are fixed whatever the batch size: under PIPELINE_MIN_RECORDS one INSERT
 * statement; otherwise BEGIN, PIPELINE_CHUNKS INSERT statements and COMMIT, pulling the orders
 * from a lazy source so that PostgreSQL inserts one chunk while the caller classifies the next.
 * Chunks grow by CHUNK_GROWTH: the database starts after a small first chunk, and each next
 * chunk is ready about when the database finishes the previous one.
 *
 * A data error (SQLSTATE 22/23) means some order is refused: the batch is then split in halves
 * until the refused orders stand alone (a few statements for one bad order in thousands); they
 * are reported as refused and every other order is stored in the same invocation. Any other
 * error is an outage: retried within the outage budget (outage.ts), then thrown.
 */
const PIPELINE_MIN_RECORDS = 200;
export const PIPELINE_CHUNKS = 5;
const CHUNK_GROWTH = 1.5;

/** Where valid orders go (shared/db/orders.ts; tests may wrap it). */
export interface OrderStore {
  storeOrders(orders: readonly Order[]): Promise<Map<string, StoreOutcome>>;
  beginOrderTransaction(): Promise<OrderTransaction>;
}

/** What became of one order: a store outcome, or refused by the database with its reason. */
export type OrderFate = StoreOutcome | { refused: string };

/** Order counts after which a chunk is sent (the last chunk is sent at the end). */
export function chunkBoundaries(total: number, chunks = PIPELINE_CHUNKS, growth = CHUNK_GROWTH): number[] {
  const weights = Array.from({ length: chunks }, (_, index) => growth ** index);
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  return weights.slice(0, -1).map((weight) => {
    cumulative += weight;
    return Math.ceil((total * cumulative) / sum);
  });
}

/** Pulls every order left in `source` into `sink` (the source classifies as it goes). */
function drain(source: Iterator<Order>, sink: Order[]): void {
  for (let next = source.next(); !next.done; next = source.next()) sink.push(next.value);
}

/** One pipelined transaction over `source`; every order pulled is also kept in `sink`. */
async function writePipelined(source: Iterator<Order>, expected: number, store: OrderStore, sink: Order[]) {
  let next = source.next();
  // Nothing to write (e.g. a re-delivery of records already stored): no round trip at all.
  if (next.done) return new Map<string, StoreOutcome>();
  // Kept before anything can fail: a retry writes from `sink`.
  sink.push(next.value);
  let chunk: Order[] = [next.value];
  const transaction = await store.beginOrderTransaction();
  try {
    const boundaries = new Set(chunkBoundaries(expected));
    for (next = source.next(); !next.done; next = source.next()) {
      sink.push(next.value);
      chunk.push(next.value);
      if (boundaries.has(sink.length)) {
        await transaction.write(chunk);
        chunk = [];
      }
    }
    await transaction.write(chunk);
    return await transaction.commit();
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}

async function writeOnce(source: Iterator<Order>, expected: number, store: OrderStore, sink: Order[]) {
  if (expected >= PIPELINE_MIN_RECORDS) return writePipelined(source, expected, store, sink);
  drain(source, sink);
  return store.storeOrders(sink);
}

/**
 * The source classifies records as it yields; if that ever threw, the records after it would go
 * unjudged. Such an error is this process's, not the database's: it must fail the invocation
 * (the mapping retries, then bisects) rather than be waited out as an outage.
 */
function guarded(source: Iterator<Order>): Iterator<Order> {
  return {
    next: () => {
      try {
        return source.next();
      } catch (error) {
        throw new NotAnOutage(`classifying the batch failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** Splits `orders` until each data error is pinned on one order; stores all the others. */
async function isolateRefused(orders: readonly Order[], store: OrderStore, into: Map<string, OrderFate>): Promise<void> {
  if (orders.length === 0) return;
  try {
    for (const [orderUid, outcome] of await store.storeOrders(orders)) into.set(orderUid, outcome);
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (orders.length === 1) {
      const { code, message } = error as { code: string; message: string };
      into.set(orders[0]!.order_uid, { refused: `SQLSTATE ${code}: ${message.slice(0, 200)}` });
      return;
    }
    const half = Math.ceil(orders.length / 2);
    await isolateRefused(orders.slice(0, half), store, into);
    await isolateRefused(orders.slice(half), store, into);
  }
}

/**
 * Stores the orders `source` yields (about `expected` of them) and returns each one's fate.
 * Throws only when the database stays unavailable beyond the outage budget.
 */
export async function storeBatch(source: Iterable<Order>, expected: number, store: OrderStore, outage: OutagePolicy): Promise<Map<string, OrderFate>> {
  const iterator = guarded(source[Symbol.iterator]());
  const orders: Order[] = [];
  let first = true;
  return retryDuringOutage(async () => {
    const fates = new Map<string, OrderFate>();
    try {
      const outcomes = first ? await writeOnce(iterator, expected, store, orders) : await writeOnce(orders.values(), orders.length, store, []);
      for (const [orderUid, outcome] of outcomes) fates.set(orderUid, outcome);
    } catch (error) {
      if (first) drain(iterator, orders);
      first = false;
      if (!isDataError(error)) throw error;
      await isolateRefused(orders, store, fates);
    }
    first = false;
    return fates;
  }, outage);
}

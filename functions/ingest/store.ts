/**
 * How the valid records of a batch reach PostgreSQL; the rest of ingest does not know. The
 * handler gives each `valid` record to an OrderWriter as triage finds it, and `finish` returns a
 * verdict for every record it was given.
 *
 * Round trips are fixed whatever the batch size: under PIPELINE_MIN_RECORDS one INSERT statement;
 * otherwise PIPELINE_CHUNKS statements of growing chunks, each sent as soon as triage has found
 * its orders, so that PostgreSQL inserts one chunk while the handler triages the next. Each
 * statement is its own transaction and writes its orders sorted by order_uid (chunks one after
 * the other): every writer then takes its row locks in the same order, so concurrent invocations
 * storing overlapping orders wait for each other briefly but never deadlock. Storing is
 * idempotent (first write wins), so a batch needs no transaction of its own.
 *
 * After a failed statement the writer sends nothing more; `finish` writes every order without a
 * verdict again, as shared/db/errors.ts says: a data error is pinned on its order by splitting
 * the orders in halves until the refused ones stand alone (rejected, every other order stored in
 * the same invocation); a lock conflict is retried at once; an outage is waited out within the
 * budget (outage.ts); a defect throws at once.
 */
import { classifyError } from '../../shared/db/errors.js';
import type { StoreOutcome } from '../../shared/db/orders.js';
import { reject } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { type OutagePolicy, retryDatabase } from './outage.js';
import type { ValidRecord, Verdict } from './result.js';

const PIPELINE_MIN_RECORDS = 200;
export const PIPELINE_CHUNKS = 5;
const CHUNK_GROWTH = 1.5;
/** Orders per statement when what is left is written again after a failure. */
const RETRY_CHUNK = 1_000;

/** Where valid orders go: storeOrders (shared/db/orders.ts) on the instance's database; tests may wrap it. */
export interface OrderStore {
  storeOrders(orders: readonly Order[]): Promise<ReadonlyMap<string, StoreOutcome>>;
}

/** Order counts after which a chunk is sent (the last chunk is sent at the end). */
export function chunkBoundaries(total: number, chunks = PIPELINE_CHUNKS, growth = CHUNK_GROWTH): number[] {
  if (total < PIPELINE_MIN_RECORDS) return [];
  const weights = Array.from({ length: chunks }, (_, index) => growth ** index);
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  return weights.slice(0, -1).map((weight) => {
    cumulative += weight;
    return Math.ceil((total * cumulative) / sum);
  });
}

/** The lock order every writer follows (any total order works, as long as all writers use the same). */
export const byOrderUid = (orders: readonly Order[]): Order[] =>
  [...orders].sort((a, b) => (a.order_uid < b.order_uid ? -1 : a.order_uid > b.order_uid ? 1 : 0));

const VERDICT: Record<StoreOutcome, Verdict> = {
  inserted: { status: 'stored' },
  duplicate: { status: 'duplicate' },
  conflict: {
    status: 'rejected',
    rejection: reject('conflict', undefined, 'order_uid already stored with different content; the first write is kept', '$.order_uid'),
  },
};

function outcomeVerdict(orderUid: string, outcome: StoreOutcome): Verdict {
  const verdict = VERDICT[outcome];
  return verdict.status === 'rejected' ? { status: 'rejected', rejection: { ...verdict.rejection, orderUid } } : verdict;
}

/** A refusal names the SQLSTATE and the constraint, never the database's message (it can quote the value). */
function refusal(orderUid: string, error: unknown): Verdict {
  const { code, constraint } = error as { code?: string; constraint?: string };
  const detail = `refused by the database: SQLSTATE ${code ?? 'unknown'}${constraint ? `, constraint ${constraint}` : ''}`;
  return { status: 'rejected', rejection: reject('refused_by_database', orderUid, detail) };
}

export class OrderWriter {
  readonly #records: ValidRecord[] = [];
  /** The first order of each order_uid, in the order triage found them. */
  readonly #orders: Order[] = [];
  readonly #uids = new Set<string>();
  readonly #verdicts = new Map<string, Verdict>();
  readonly #boundaries: Set<number>;
  #sent = 0;
  #inFlight: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  /** `expected`: how many records the event has (the chunks are sized from it). */
  constructor(
    readonly store: OrderStore,
    readonly policy: OutagePolicy,
    expected: number,
  ) {
    this.#boundaries = new Set(chunkBoundaries(expected));
  }

  /** Takes a valid record; at a chunk boundary, returns a promise to await before triaging on. */
  add(record: ValidRecord): Promise<void> | undefined {
    this.#records.push(record);
    const { order } = record;
    if (this.#uids.has(order.order_uid)) return undefined;
    this.#uids.add(order.order_uid);
    this.#orders.push(order);
    return this.#boundaries.has(this.#orders.length) ? this.#sendChunk() : undefined;
  }

  /** Waits for the previous chunk's statement, then sends the orders found since (not awaited). */
  async #sendChunk(): Promise<void> {
    const chunk = this.#orders.slice(this.#sent);
    this.#sent = this.#orders.length;
    await this.#inFlight;
    if (this.#failure || chunk.length === 0) return;
    this.#inFlight = this.#write(chunk).catch((error: unknown) => {
      this.#failure = { error };
    });
  }

  async #write(orders: readonly Order[]): Promise<void> {
    const outcomes = await this.store.storeOrders(byOrderUid(orders));
    for (const [orderUid, outcome] of outcomes) this.#verdicts.set(orderUid, outcomeVerdict(orderUid, outcome));
  }

  /** Splits `orders` until each data error is pinned on one order; stores all the others. */
  async #isolate(orders: readonly Order[]): Promise<void> {
    try {
      await this.#write(orders);
    } catch (error) {
      if (classifyError(error) !== 'data') throw error;
      if (orders.length === 1) {
        this.#verdicts.set(orders[0]!.order_uid, refusal(orders[0]!.order_uid, error));
        return;
      }
      const half = Math.ceil(orders.length / 2);
      await this.#isolate(orders.slice(0, half));
      await this.#isolate(orders.slice(half));
    }
  }

  /** Every order without a verdict, sorted, in chunks one after the other. */
  async #storeRest(): Promise<void> {
    const rest = byOrderUid(this.#orders.filter((order) => !this.#verdicts.has(order.order_uid)));
    for (let start = 0; start < rest.length; start += RETRY_CHUNK) await this.#isolate(rest.slice(start, start + RETRY_CHUNK));
  }

  /**
   * Sends the last chunk and returns the verdict for each record given, as far as the database
   * answered: a record whose order got none has no entry (the handler then fails the invocation).
   * A later record of an order_uid is a duplicate of the first when the first was stored.
   */
  async finish(): Promise<Map<ValidRecord, Verdict>> {
    await this.#sendChunk();
    await this.#inFlight;
    const failed = this.#failure;
    // A data error needs no wait: splitting the orders is the next attempt.
    if (failed) await retryDatabase(() => this.#storeRest(), this.policy, classifyError(failed.error) === 'data' ? undefined : failed);
    const answers = new Map<ValidRecord, Verdict>();
    const answered = new Set<string>();
    for (const record of this.#records) {
      const uid = record.order.order_uid;
      const verdict = this.#verdicts.get(uid);
      if (verdict === undefined) continue;
      answers.set(record, answered.has(uid) && verdict.status === 'stored' ? { status: 'duplicate' } : verdict);
      answered.add(uid);
    }
    return answers;
  }
}

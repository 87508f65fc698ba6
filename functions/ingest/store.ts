/**
 * How the valid records of a batch reach PostgreSQL; the rest of ingest does not know. The
 * handler gives each `valid` record to an OrderWriter as triage judges it, in lock order (below),
 * and `finish` returns a verdict for every record it was given.
 *
 * One transaction per batch in a fixed number of statements: a batch under PIPELINE_MIN_RECORDS
 * in one INSERT statement (its own transaction); a larger one on one connection, BEGIN, chunks of
 * growing size, COMMIT, each chunk sent the moment triage has judged its orders, so that
 * PostgreSQL inserts one chunk while the handler judges the next (the handler waits for
 * PostgreSQL only where PostgreSQL is behind). The verdicts hold once the transaction commits.
 *
 * Lock order: the handler gives the orders sorted by order_uid across the whole batch (it sorts
 * the parsed records before judging them), and the writer refuses any other order. Every writer
 * then takes its row locks in the same order for its whole transaction, so concurrent
 * invocations storing overlapping orders may wait for each other but never deadlock.
 *
 * After a failed statement the writer sends nothing more, rolls the transaction back, and
 * `finish` writes every order again as shared/db/errors.ts says, in statements of their own: a
 * data error is pinned on its order by splitting the orders in halves until the refused ones
 * stand alone (rejected, every other order stored in the same invocation); a lock conflict is
 * retried at once; an outage is waited out within the budget (outage.ts); a defect throws at once.
 */
import { classifyError } from '../../shared/db/errors.js';
import type { OrderStore, OrderTransaction, StoreOutcome } from '../../shared/db/orders.js';
import { reject } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { type OutagePolicy, retryDatabase } from './outage.js';
import { IngestDefect, type ValidRecord, type Verdict } from './result.js';

export type { OrderStore } from '../../shared/db/orders.js';

export const PIPELINE_MIN_RECORDS = 50;
const MAX_CHUNKS = 5;
/** Orders per chunk the chunk count aims at (a statement's fixed cost is small against this many orders). */
const ORDERS_PER_CHUNK = 40;
/** Each chunk this much larger than the one before: the first is small, so PostgreSQL starts early. */
const CHUNK_GROWTH = 2;
/** Orders per statement when the orders are written again after a failure. */
const RETRY_CHUNK = 1_000;

/** How many statements a batch of `total` orders is written in. */
export const chunkCount = (total: number): number =>
  total < PIPELINE_MIN_RECORDS ? 1 : Math.min(MAX_CHUNKS, Math.max(2, Math.round(total / ORDERS_PER_CHUNK)));

/** Order counts after which a chunk is sent (the last chunk is sent at the end). */
export function chunkBoundaries(total: number, chunks = chunkCount(total), growth = CHUNK_GROWTH): number[] {
  const weights = Array.from({ length: chunks }, (_, index) => growth ** index);
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  return weights.slice(0, -1).map((weight) => {
    cumulative += weight;
    return Math.ceil((total * cumulative) / sum);
  });
}

/** The lock order every writer follows (any total order works, as long as all writers use the same). */
export const compareOrderUids = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const byOrderUid = (orders: readonly Order[]): Order[] => [...orders].sort((a, b) => compareOrderUids(a.order_uid, b.order_uid));

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
  /** The first order of each order_uid, in lock order. */
  readonly #orders: Order[] = [];
  /** Verdicts of the open transaction's statements: they hold once it commits. */
  readonly #pending = new Map<string, Verdict>();
  readonly #verdicts = new Map<string, Verdict>();
  readonly #boundaries: Set<number>;
  #transaction: Promise<OrderTransaction> | undefined;
  #sent = 0;
  #inFlight: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  /** `expected`: how many records may reach the writer (the chunks are sized from it). */
  constructor(
    readonly store: OrderStore,
    readonly policy: OutagePolicy,
    expected: number,
  ) {
    this.#boundaries = new Set(chunkBoundaries(expected));
  }

  /** One statement (no boundaries) needs no transaction of its own: it is one. */
  get #pipelined(): boolean {
    return this.#boundaries.size > 0;
  }

  /**
   * Takes a valid record, in lock order. Returns a promise to await before judging on when the
   * writer needs the event loop: with the first order (it takes a connection and sends BEGIN)
   * and at a chunk boundary (it sends the chunk).
   */
  add(record: ValidRecord): Promise<void> | undefined {
    this.#records.push(record);
    const { order } = record;
    const last = this.#orders.at(-1)?.order_uid;
    if (last !== undefined && compareOrderUids(order.order_uid, last) <= 0) {
      // A repeat of the previous order_uid (same content: triage rejected any other) is written once.
      if (order.order_uid !== last) this.#fail(new IngestDefect('orders reached the writer out of lock order'));
      return undefined;
    }
    this.#orders.push(order);
    const opening = this.#transaction || !this.#pipelined ? undefined : this.#open();
    if (!this.#boundaries.has(this.#orders.length)) return opening;
    return opening ? opening.then(() => this.#sendChunk()) : this.#sendChunk();
  }

  /** Opens the batch's transaction; its first statement waits for BEGIN. */
  async #open(): Promise<void> {
    this.#transaction = this.store.transaction();
    try {
      const { ready } = await this.#transaction;
      this.#inFlight = ready.catch((error: unknown) => this.#fail(error));
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Waits for the previous statement (where PostgreSQL is behind) or for BEGIN, then sends the orders found since. */
  async #sendChunk(): Promise<void> {
    const chunk = this.#orders.slice(this.#sent);
    this.#sent = this.#orders.length;
    await this.#inFlight;
    if (this.#failure || chunk.length === 0 || !this.#transaction) return;
    const open = await this.#transaction;
    // Not awaited: PostgreSQL works on this chunk while the handler judges the next.
    this.#inFlight = this.#settle(open.storeOrders(chunk), this.#pending);
  }

  /** The first failure is the one the writer acts on. */
  #fail(error: unknown): void {
    this.#failure ??= { error };
  }

  /** Notes a statement's outcomes into `into`, or its error as the writer's failure. */
  #settle(statement: Promise<ReadonlyMap<string, StoreOutcome>>, into: Map<string, Verdict>): Promise<void> {
    return statement.then(
      (outcomes) => this.#note(outcomes, into),
      (error: unknown) => this.#fail(error),
    );
  }

  #note(outcomes: ReadonlyMap<string, StoreOutcome>, into: Map<string, Verdict>): void {
    for (const [orderUid, outcome] of outcomes) into.set(orderUid, outcomeVerdict(orderUid, outcome));
  }

  /** Commits the transaction: its statements' verdicts become final. */
  async #commit(): Promise<void> {
    if (!this.#transaction) return;
    try {
      await (await this.#transaction).commit();
      for (const [orderUid, verdict] of this.#pending) this.#verdicts.set(orderUid, verdict);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Splits `orders` until each data error is pinned on one order; stores all the others. */
  async #isolate(orders: readonly Order[]): Promise<void> {
    try {
      this.#note(await this.store.storeOrders(orders), this.#verdicts);
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

  /** Every order without a verdict, sorted, in statements one after the other (each its own transaction). */
  async #storeRest(): Promise<void> {
    const rest = byOrderUid(this.#orders.filter((order) => !this.#verdicts.has(order.order_uid)));
    for (let start = 0; start < rest.length; start += RETRY_CHUNK) await this.#isolate(rest.slice(start, start + RETRY_CHUNK));
  }

  /**
   * Sends the last chunk, commits, and returns the verdict for each record given, as far as the
   * database answered: a record whose order got none has no entry (the handler then fails the
   * invocation). A later record of an order_uid is a duplicate of the first when the first was stored.
   */
  async finish(): Promise<Map<ValidRecord, Verdict>> {
    if (this.#pipelined) {
      await this.#sendChunk();
      await this.#inFlight;
      if (!this.#failure) await this.#commit();
    } else if (!this.#failure && this.#orders.length > 0) {
      await this.#settle(this.store.storeOrders(this.#orders), this.#verdicts);
    }
    const failed = this.#failure;
    if (failed) {
      // Nothing of the transaction was stored: every order is written again.
      await this.#transaction?.then(
        (open) => open.abandon(),
        () => undefined,
      );
      // A data error needs no wait: splitting the orders is the next attempt.
      await retryDatabase(() => this.#storeRest(), this.policy, classifyError(failed.error) === 'data' ? undefined : failed);
    }
    return this.#answers();
  }

  #answers(): Map<ValidRecord, Verdict> {
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

/**
 * How the valid records of a batch reach PostgreSQL; the rest of ingest does not know. The
 * handler gives each `valid` record to an OrderWriter as triage judges it, in lock order (below),
 * and `finish` returns the final result of every record it was given.
 *
 * One transaction per batch in a fixed number of statements: a batch under PIPELINE_MIN_RECORDS
 * in one INSERT statement (its own transaction); a larger one on one connection, BEGIN, chunks of
 * growing size, COMMIT, each chunk sent the moment triage has judged its orders, so that
 * PostgreSQL inserts one chunk while the handler judges the next (the handler waits for
 * PostgreSQL only where PostgreSQL is behind). The verdicts hold once the transaction commits.
 *
 * Lock order: the handler gives the orders sorted by order_uid across the whole batch (it places
 * the records in lock order before judging them, lock-order.ts), and the writer refuses any other order. Every writer
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
import type { KeptVerdicts } from '../../shared/db/record-verdicts.js';
import { reject } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { type OutagePolicy, retryDatabase } from './outage.js';
import { type FinalResult, fresh, IngestDefect, type ValidRecord, type Verdict } from './result.js';

export type { OrderStore } from '../../shared/db/orders.js';

export const PIPELINE_MIN_RECORDS = 50;
const MAX_CHUNKS = 8;
/** Orders per chunk the chunk count aims at: each statement has a fixed cost for PostgreSQL, the bottleneck. */
const ORDERS_PER_CHUNK = 50;
/**
 * Each chunk this much larger than the one before. Of two chunks the first is small, so PostgreSQL
 * starts early, and the second carries the rest. Of more, PostgreSQL must not wait while the
 * handler judges the next chunk, nor insert a large last chunk after the handler is done: they
 * grow only a little faster than the handler judges what PostgreSQL inserts meanwhile
 * (docs/benchmarks.md, the chunk schedule).
 */
const TWO_CHUNK_GROWTH = 3;
const CHUNK_GROWTH = 1.4;
/** Orders per statement when the orders are written again after a failure. */
const RETRY_CHUNK = 1_000;

/** How many statements a batch of `total` orders is written in. */
export const chunkCount = (total: number): number =>
  total < PIPELINE_MIN_RECORDS ? 1 : Math.min(MAX_CHUNKS, Math.max(2, Math.round(total / ORDERS_PER_CHUNK)));

/** Order counts after which a chunk is sent (the last chunk is sent at the end). */
export function chunkBoundaries(
  total: number,
  chunks = chunkCount(total),
  growth = chunks > 2 ? CHUNK_GROWTH : TWO_CHUNK_GROWTH,
): number[] {
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

/** Notes a statement's outcomes as verdicts into `verdicts`. */
function note(outcomes: ReadonlyMap<string, StoreOutcome>, verdicts: Map<string, Verdict>): void {
  for (const [orderUid, outcome] of outcomes) verdicts.set(orderUid, outcomeVerdict(orderUid, outcome));
}

/** A refusal names the SQLSTATE and the constraint, never the database's message (it can quote the value). */
function refusal(orderUid: string, error: unknown): Verdict {
  const { code, constraint } = error as { code?: string; constraint?: string };
  const detail = `refused by the database: SQLSTATE ${code ?? 'unknown'}${constraint ? `, constraint ${constraint}` : ''}`;
  return { status: 'rejected', rejection: reject('refused_by_database', orderUid, detail) };
}

/**
 * The batch's transaction on one connection: statements sent in order, each while the handler
 * judges the next chunk, and the first failure kept (nothing more is sent after it).
 */
class PipelinedTransaction {
  /** Settles once the connection is taken and BEGIN is sent. */
  readonly opened: Promise<unknown>;
  readonly #transaction: Promise<OrderTransaction>;
  readonly #outcomes = new Map<string, StoreOutcome>();
  /** Settles when the last statement sent has answered (BEGIN, to begin with). */
  #inFlight: Promise<void>;
  #failure: { error: unknown } | undefined;

  constructor(store: OrderStore) {
    this.#transaction = store.transaction();
    this.opened = this.#transaction.catch(() => undefined);
    this.#inFlight = this.#settle(this.#transaction.then((open) => open.ready));
  }

  /** Waits for the previous statement (where PostgreSQL is behind), then sends `orders` without waiting for their answer. */
  async send(orders: readonly Order[]): Promise<void> {
    await this.#inFlight;
    if (this.#failure || orders.length === 0) return;
    const open = await this.#transaction;
    // Not awaited: PostgreSQL works on this chunk while the handler judges the next.
    this.#inFlight = this.#settle(open.storeOrders(orders).then((outcomes) => this.#note(outcomes)));
  }

  /** Sends `last` and waits for every statement: their outcomes, which hold once `commit` resolves. Throws the first failure, after rolling back. */
  async outcomes(last: readonly Order[]): Promise<ReadonlyMap<string, StoreOutcome>> {
    await this.send(last);
    await this.#inFlight;
    await this.#throwFailure();
    return this.#outcomes;
  }

  /** Keeps `kept` (shared-memo.ts), if any, and commits. Throws the first failure, after rolling back. */
  async commit(kept: KeptVerdicts | undefined): Promise<void> {
    const open = await this.#transaction;
    if (kept) await this.#settle(open.keepRecordVerdicts(kept));
    if (!this.#failure) await this.#settle(open.commit());
    await this.#throwFailure();
  }

  async #throwFailure(): Promise<void> {
    if (!this.#failure) return;
    await this.abandon();
    throw this.#failure.error;
  }

  /** Rolls back whatever was sent (nothing of it is stored); never throws. */
  async abandon(): Promise<void> {
    await this.#inFlight;
    await this.#transaction.then(
      (open) => open.abandon(),
      () => undefined,
    );
  }

  #note(outcomes: ReadonlyMap<string, StoreOutcome>): void {
    for (const [orderUid, outcome] of outcomes) this.#outcomes.set(orderUid, outcome);
  }

  /** The first failure is the one the writer acts on. */
  #settle(step: Promise<unknown>): Promise<void> {
    return step.then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
  }
}

/**
 * Writes the valid records of one batch: `add` each in lock order (awaiting it), then `finish`
 * for the final result of every record given.
 */
export class OrderWriter {
  readonly #records: ValidRecord[] = [];
  /** The first order of each order_uid, in lock order. */
  readonly #orders: Order[] = [];
  /** Order counts after which a chunk is sent; none: the batch is one statement. */
  readonly #boundaries: readonly number[];
  /** Opened with the first order, when the batch is written in chunks. */
  #transaction: PipelinedTransaction | undefined;

  /** `expected`: how many records may reach the writer (the chunks are sized from it). */
  constructor(
    readonly store: OrderStore,
    readonly policy: OutagePolicy,
    expected: number,
  ) {
    this.#boundaries = chunkBoundaries(expected);
  }

  /** How many orders went out in chunks: a chunk is sent the moment the order count reaches its boundary. */
  get #sent(): number {
    return this.#boundaries.findLast((boundary) => boundary <= this.#orders.length) ?? 0;
  }

  /**
   * Takes a valid record, in lock order (else throws an IngestDefect, after rolling back what
   * was sent). Resolves once the writer is done with the event loop: with the first order it
   * takes a connection and sends BEGIN, and at a chunk boundary it sends the chunk.
   */
  async add(record: ValidRecord): Promise<void> {
    this.#records.push(record);
    const uid = record.order.order_uid;
    const last = this.#orders.at(-1)?.order_uid;
    // A repeat of the previous order_uid (same content: triage rejected any other) is written once.
    if (uid === last) return;
    if (last !== undefined && compareOrderUids(uid, last) < 0) {
      await this.#transaction?.abandon();
      throw new IngestDefect('orders reached the writer out of lock order');
    }
    this.#orders.push(record.order);
    if (this.#boundaries.length === 0) return;
    if (!this.#transaction) {
      this.#transaction = new PipelinedTransaction(this.store);
      await this.#transaction.opened;
    }
    const at = this.#boundaries.indexOf(this.#orders.length);
    if (at >= 0) await this.#transaction.send(this.#orders.slice(this.#boundaries[at - 1] ?? 0));
  }

  /** Rolls back whatever was sent (nothing of it is stored); the writer takes nothing more. */
  async abandon(): Promise<void> {
    await this.#transaction?.abandon();
  }

  /**
   * Sends the last chunk, commits, and returns the final result of each record given, as far as
   * the database answered: a record whose order got no answer has none (the handler then fails
   * the invocation). A later record of an order_uid is a duplicate of the first when the first
   * was stored. `keep` says what to keep of the batch for its retries, given these results
   * (shared-memo.ts): kept in the transaction, or else in a statement of its own once the orders are stored.
   */
  async finish(keep: (answers: FinalResult[]) => KeptVerdicts | undefined = () => undefined): Promise<FinalResult[]> {
    const verdicts = new Map<string, Verdict>();
    const keptAlready = await retryDatabase(
      (attempt) => (attempt === 1 ? this.#write(verdicts, keep) : this.#writeAgain(verdicts).then(() => false)),
      this.policy,
    );
    const answers = this.#answers(verdicts);
    const kept = keptAlready ? undefined : keep(answers);
    if (kept) await retryDatabase(() => this.store.keepRecordVerdicts(kept), this.policy);
    return answers;
  }

  /**
   * The batch's own write: its transaction, with what `keep` says before the commit, or its one
   * statement. After a data error, at once the orders again, split. Whether it kept what it had to.
   */
  async #write(verdicts: Map<string, Verdict>, keep: (answers: FinalResult[]) => KeptVerdicts | undefined): Promise<boolean> {
    if (this.#orders.length === 0) return false;
    try {
      if (!this.#transaction) {
        note(await this.store.storeOrders(this.#orders), verdicts);
        return false;
      }
      const pending = new Map<string, Verdict>();
      note(await this.#transaction.outcomes(this.#orders.slice(this.#sent)), pending);
      await this.#transaction.commit(keep(this.#answers(pending)));
      for (const [orderUid, verdict] of pending) verdicts.set(orderUid, verdict);
      return true;
    } catch (error) {
      // Nothing of it was stored. A data error needs no wait: splitting the orders is the next attempt.
      if (classifyError(error) !== 'data') throw error;
      await this.#writeAgain(verdicts);
      return false;
    }
  }

  /** Every order without a verdict, sorted, in statements one after the other (each its own transaction). */
  async #writeAgain(verdicts: Map<string, Verdict>): Promise<void> {
    const rest = byOrderUid(this.#orders.filter((order) => !verdicts.has(order.order_uid)));
    for (let start = 0; start < rest.length; start += RETRY_CHUNK) await this.#isolate(rest.slice(start, start + RETRY_CHUNK), verdicts);
  }

  /** Splits `orders` until each data error is pinned on one order; stores all the others. */
  async #isolate(orders: readonly Order[], verdicts: Map<string, Verdict>): Promise<void> {
    try {
      note(await this.store.storeOrders(orders), verdicts);
    } catch (error) {
      if (classifyError(error) !== 'data') throw error;
      if (orders.length === 1) {
        verdicts.set(orders[0]!.order_uid, refusal(orders[0]!.order_uid, error));
        return;
      }
      const half = Math.ceil(orders.length / 2);
      await this.#isolate(orders.slice(0, half), verdicts);
      await this.#isolate(orders.slice(half), verdicts);
    }
  }

  #answers(verdicts: ReadonlyMap<string, Verdict>): FinalResult[] {
    const answered = new Set<string>();
    const results: FinalResult[] = [];
    for (const record of this.#records) {
      const uid = record.order.order_uid;
      const verdict = verdicts.get(uid);
      if (verdict === undefined) continue;
      results.push(fresh(record, answered.has(uid) && verdict.status === 'stored' ? { status: 'duplicate' } : verdict));
      answered.add(uid);
    }
    return results;
  }
}

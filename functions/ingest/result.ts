/**
 * The words ingest has for one record, stage by stage (glossary in docs/ingest.md). Each record
 * keeps its `index` in the event from the first stage to the last, so that its final result is
 * found by where it came from:
 *  - recall (shared-memo.ts): for a record known at its position, digested (a `DigestedRecord`),
 *    the `FinalResult` an earlier delivery decided, if any (remembered);
 *  - place (lock-order.ts): each other record (`Unread`) in lock order (`Placed`);
 *  - read (triage.ts): digested, then a `ParsedRecord`, or already a `FinalResult` (unreadable);
 *  - judge (triage.ts): a `ValidRecord` (a valid order, for the store) or a rejected `FinalResult`;
 *  - store (store.ts): a `FinalResult` for every `ValidRecord` the database answered for;
 *  - report (report.ts): the `FinalResult` of every record, in event order (`assertFinal`).
 * A `FinalResult`'s `status` is
 *  - `stored`: this invocation inserted its order;
 *  - `duplicate`: acknowledged without a write: its order is already stored with the same content,
 *    or it repeats an order_uid earlier in the batch with the same content;
 *  - `rejected`: reported as a batch item failure, with its `Rejection` (reason and violations).
 * `remembered` marks a result an earlier delivery decided (memo.ts).
 */
import type { RecordPosition } from '../../shared/kafka/event.js';
import type { Rejection } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { PipelineError } from '../../shared/errors.js';

export type Verdict = { status: 'stored' } | { status: 'duplicate' } | { status: 'rejected'; rejection: Rejection };

/** Where a record is: its place in the event and in its partition. */
export interface Located {
  /** The record's place in the event (0-based, partitions in the event's order). */
  index: number;
  position: RecordPosition;
}

/** What is known of a record once its value is digested (memo.ts), computed once per record. */
export interface Digested extends Located {
  digest: string;
}

/** Judged: a valid order the store has not answered for yet (never reported). */
export interface ValidRecord extends Digested {
  /** A remembered record is never judged again. */
  remembered: false;
  status: 'valid';
  order: Order;
}

/** What happened to a record: what the batch response, the summary, the log and the memo use. */
export type FinalResult = Digested & { remembered: boolean } & Verdict;

/** A record's result from judging on: valid (for the store) or final. */
export type RecordResult = ValidRecord | FinalResult;

/** A result that no earlier delivery decided. */
export const fresh = (record: Digested, verdict: Verdict): FinalResult => ({
  index: record.index,
  position: record.position,
  digest: record.digest,
  remembered: false,
  ...verdict,
});

/** A rejected record's final result. */
export type RejectedResult = Extract<FinalResult, { status: 'rejected' }>;

/** A fresh rejection of `record`. */
export const rejected = (record: Digested, rejection: Rejection): RejectedResult => ({
  index: record.index,
  position: record.position,
  digest: record.digest,
  remembered: false,
  status: 'rejected',
  rejection,
});

/** A broken promise of this code (e.g. the store gave no answer for a record): fails the invocation, counted as a defect. */
export class IngestDefect extends PipelineError {
  override readonly name = 'IngestDefect';
  constructor(message: string) {
    super('defect', message);
  }
}

/**
 * The final results of the `size` records of the event, in event order; throws an IngestDefect
 * when a record has no result (the store gave no verdict for it, or it was never judged) or more
 * than one, so that a record is never acknowledged without having been stored.
 */
export function assertFinal(size: number, results: readonly FinalResult[]): FinalResult[] {
  const ordered = new Array<FinalResult | undefined>(size).fill(undefined);
  for (const result of results) {
    if (!(result.index >= 0 && result.index < size))
      throw new IngestDefect(`a result for record ${result.index} of a ${size}-record event`);
    if (ordered[result.index] !== undefined) throw new IngestDefect(`record ${result.index} of the event has two results`);
    ordered[result.index] = result;
  }
  return ordered.map((result, index) => {
    if (result === undefined) throw new IngestDefect(`record ${index} of the event has no result from the store`);
    return result;
  });
}

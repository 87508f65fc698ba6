/**
 * The one word ingest has for what happened to a record, from triage to report (glossary in
 * docs/ingest.md): a `RecordResult` per record of the event, whose `status` is
 *  - `valid`: triage found a valid order; the store has not answered for it yet (never reported);
 *  - `stored`: this invocation inserted its order;
 *  - `duplicate`: acknowledged without a write: its order is already stored with the same content,
 *    or it repeats an order_uid earlier in the batch with the same content;
 *  - `rejected`: reported as a batch item failure, with its `Rejection` (reason and violations).
 * `remembered` marks a result an earlier delivery to this container decided (memo.ts).
 */
import type { RecordPosition } from '../../shared/kafka/event.js';
import type { Rejection } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { PipelineError } from '../../shared/errors.js';

export type Verdict = { status: 'stored' } | { status: 'duplicate' } | { status: 'rejected'; rejection: Rejection };

export type RecordResult = {
  position: RecordPosition;
  /** Digest of the record's value as the event carries it (memo.ts), computed once per record. */
  digest: string;
  remembered: boolean;
} & ({ status: 'valid'; order: Order } | Verdict);

export type ValidRecord = Extract<RecordResult, { status: 'valid' }>;
/** A result the report can use: every status but `valid`. */
export type FinalResult = Exclude<RecordResult, { status: 'valid' }>;

/** A broken promise of this code (e.g. the store gave no answer for a record): fails the invocation, counted as a defect. */
export class IngestDefect extends PipelineError {
  override readonly name = 'IngestDefect';
  constructor(message: string) {
    super('defect', message);
  }
}

const FINAL_STATUSES: ReadonlySet<string> = new Set<FinalResult['status']>(['stored', 'duplicate', 'rejected']);

/**
 * The results of all `size` records of the event, each final; throws an IngestDefect when a
 * record has no result or none final (still `valid`: the store gave no verdict; or never judged), so that a record
 * is never acknowledged without having been stored.
 */
export function assertFinal(size: number, results: ReadonlyArray<{ status: string } | undefined>): FinalResult[] {
  if (results.length !== size) throw new IngestDefect(`${results.length} results for the ${size} records of the event`);
  results.forEach((result, index) => {
    if (result === undefined || !FINAL_STATUSES.has(result.status)) {
      throw new IngestDefect(`record ${index} of the event has no result from the store`);
    }
  });
  return results as FinalResult[];
}

/**
 * What every execution environment knows about a record the event-source mapping delivers again.
 * A batch that reports a record as failed comes back from its lowest failed offset (the
 * checkpoint), up to retryAttempts times, in whichever environment is idle: knowledge held by
 * one environment (memo.ts) rarely helps it. So the final results of such a batch from its
 * lowest failed offset on are kept in PostgreSQL (shared/db/record-verdicts.ts), in the batch's
 * own transaction when it has one (else right after its orders are committed: a kept
 * acknowledgement always follows its stored order). Every invocation looks the event's offset
 * ranges up with one query, sent before it reads the records, and a record found there with the
 * same value digest is remembered: neither written nor logged again.
 *
 * Bounded: writing a partition's verdicts deletes its rows that end below its lowest failed offset
 * (the mapping has moved past them). Correct after a DLQ redrive (the records come back at new
 * offsets) and when an order is re-sent with new content (a new record, judged afresh).
 */
import { classifyError } from '../../shared/db/errors.js';
import type { KeptVerdicts, OffsetRange, RecordVerdict } from '../../shared/db/record-verdicts.js';
import type { RawRecord } from '../../shared/kafka/event.js';
import { kept, positionKey, type RecordMemo } from './memo.js';
import type { Digested, FinalResult, Verdict } from './result.js';
import type { OrderStore } from './store.js';

const partitionKey = (position: { topic: string; partition: number }) => `${position.topic}\u0000${position.partition}`;

/** The offsets of each partition of the event, first to last. */
function offsetRanges(records: readonly RawRecord[]): OffsetRange[] {
  const ranges = new Map<string, OffsetRange>();
  for (const { position } of records) {
    const range = ranges.get(partitionKey(position));
    if (!range) ranges.set(partitionKey(position), { ...position, first: position.offset, last: position.offset });
    else {
      range.first = Math.min(range.first, position.offset);
      range.last = Math.max(range.last, position.offset);
    }
  }
  return [...ranges.values()].map(({ topic, partition, first, last }) => ({ topic, partition, first, last }));
}

/** The kept verdicts of `records`, by position. */
export type KeptByPosition = ReadonlyMap<string, RecordVerdict>;

/**
 * Sends the look-up of what is kept about `records` (none when this container remembers them
 * all); resolves once it is on the wire, with the answer to await after reading the records. The
 * database being unreachable only means nothing is known (the store waits the outage out);
 * a defect (no table, no privilege) fails the invocation.
 */
export async function lookUpKept(
  store: OrderStore,
  memo: RecordMemo,
  records: readonly RawRecord[],
): Promise<{ answer: Promise<KeptByPosition> }> {
  if (records.every(({ position }) => memo.knows(position))) return { answer: Promise.resolve(new Map()) };
  const known = (verdicts: RecordVerdict[]): KeptByPosition => new Map(verdicts.map((verdict) => [positionKey(verdict), verdict]));
  const unknown = (error: unknown): KeptByPosition => {
    if (classifyError(error) === 'defect') throw error;
    return new Map();
  };
  try {
    const { answer } = await store.lookUpRecordVerdicts(offsetRanges(records));
    return { answer: answer.then(known, unknown) };
  } catch (error) {
    return { answer: Promise.resolve(unknown(error)) }; // a defect throws here, before the records are read
  }
}

/** Whether an earlier delivery decided anything at `position` (only such a record is digested before it is read). */
export const isKnown = (position: RawRecord['position'], memo: RecordMemo, kept: KeptByPosition): boolean =>
  memo.knows(position) || kept.has(positionKey(position));

/**
 * What an earlier delivery decided about `record`, if anything, for the same value: this
 * container's memo, else what PostgreSQL kept (`kept`). Undefined: the record is read and judged.
 */
export function recall(record: Digested, memo: RecordMemo, kept: KeptByPosition): FinalResult | undefined {
  const { index, position, digest } = record;
  const remembered = memo.lookup(position, digest);
  if (remembered) return { index, position, digest, remembered: true, ...remembered };
  const verdict = kept.get(positionKey(position));
  if (!verdict || verdict.digest !== digest) return undefined;
  return verdict.status === 'rejected'
    ? { index, position, digest, remembered: true, status: 'rejected', rejection: verdict.rejection }
    : { index, position, digest, remembered: true, status: 'duplicate' };
}

/**
 * What to keep of a batch's final results: in each partition with a rejected record, every
 * fresh result from the lowest rejected offset on (what the mapping will deliver again), and
 * the pruning below it. Undefined when nothing new needs keeping.
 */
export function toKeep(results: readonly FinalResult[]): KeptVerdicts | undefined {
  const lowest = new Map<string, { topic: string; partition: number; below: number }>();
  for (const { status, position } of results) {
    if (status !== 'rejected') continue;
    const below = lowest.get(partitionKey(position))?.below ?? Number.POSITIVE_INFINITY;
    lowest.set(partitionKey(position), { topic: position.topic, partition: position.partition, below: Math.min(below, position.offset) });
  }
  if (lowest.size === 0) return undefined;
  const verdicts = results.flatMap((result) => {
    const { position } = result;
    const from = lowest.get(partitionKey(position))?.below;
    return !result.remembered && from !== undefined && position.offset >= from ? [keptVerdict(result)] : [];
  });
  return verdicts.length === 0 ? undefined : { verdicts, prune: [...lowest.values()] };
}

function keptVerdict({ position, digest, ...result }: FinalResult): RecordVerdict {
  const verdict: Verdict = kept(result);
  const at = { topic: position.topic, partition: position.partition, offset: position.offset, digest };
  return verdict.status === 'rejected' ? { ...at, status: 'rejected', rejection: verdict.rejection } : { ...at, status: 'acknowledged' };
}

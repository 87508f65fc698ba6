/**
 * Lock order, known before the records are read. The store takes its row locks in order_uid
 * order (store.ts), so the handler judges the records sorted by the order_uid they claim. Reading
 * every record to learn it would leave PostgreSQL idle until the last one is read; the Kafka key
 * says it for the cost of a base64 decode when the producer keys by order_uid (submit and the
 * local producer do: the key keeps an order's records in one partition). So `place` puts the
 * records in the order of their keys, and a keyless record is read first and placed by the
 * order_uid its value claims. A key is only a claim: when a record judged valid, or rejected as a
 * conflict, holds another order_uid than the key it was placed by (`misplaced`), the handler
 * rolls back and places the records again by what their values claim (`by: 'value'`, every
 * record read first), so that the lock order and "the first record of an order_uid is kept" hold
 * whatever the keys say (ingest-batch.ts).
 */
import { decodeKey, type RawRecord } from '../../shared/kafka/event.js';
import type { FinalResult, Located, ValidRecord } from './result.js';
import { compareOrderUids } from './store.js';
import { digestRecord, type ParsedRecord, type Triage } from './triage.js';

/** A record no earlier delivery decided, as the event holds it. */
export interface Unread extends Located {
  raw: RawRecord;
}

/** A record placed in lock order, read already if placing it needed that. */
export interface Placed extends Unread {
  /** The order_uid it was placed by: its key's, or what its value claims ('' if nothing). */
  claimed: string;
  read?: FinalResult | ParsedRecord;
}

/** `by: 'key'`: by each record's key, a keyless record by its value; `by: 'value'`: every record by its value. */
export function place(records: readonly Unread[], triage: Triage, by: 'key' | 'value'): Placed[] {
  return records.map((record) => placeOne(record, triage, by)).sort(inLockOrder);
}

function placeOne(record: Unread, triage: Triage, by: 'key' | 'value'): Placed {
  const key = by === 'key' ? decodeKey(record.raw.record.key) : undefined;
  if (key) return { ...record, claimed: key };
  const read = readUnread(record, triage);
  return { ...record, claimed: read.status === 'parsed' ? read.claimedUid : '', read };
}

/** The record digested, decoded and parsed. */
const readUnread = (record: Unread, triage: Triage): FinalResult | ParsedRecord => triage.read(digestRecord(record.raw, record.index));

/** The record read, if placing it did not already. */
export const readPlaced = (record: Placed, triage: Triage): FinalResult | ParsedRecord => record.read ?? readUnread(record, triage);

/**
 * Judged under another order_uid than the one it was placed by, where that matters: a valid order
 * (its row locks) or a conflict (which record of an order_uid counts as first).
 */
export function misplaced(record: Placed, judged: ValidRecord | FinalResult): boolean {
  const uid =
    judged.status === 'valid'
      ? judged.order.order_uid
      : judged.status === 'rejected' && judged.rejection.reason === 'conflict'
        ? judged.rejection.orderUid
        : undefined;
  return uid !== undefined && uid !== record.claimed;
}

/** Sorted by the order_uid they claim; a uid's records stay in event order. */
const inLockOrder = (a: Placed, b: Placed): number => compareOrderUids(a.claimed, b.claimed) || a.index - b.index;

import { decodeRecord, iterateRawRecords, type RecordPosition } from '../../shared/kafka/event.js';
import { asOrderUid } from '../../shared/order/order-uid.js';
import { classifyText, type Rejection, reject } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { digestOf, type Judgement, type JudgementMemo } from './memo.js';

/**
 * Classify: every record of the event on its own, without I/O. A record this container already
 * judged (memo.ts) keeps its judgement; a new one is decoded and classified (shared/order/classify.ts).
 * Valid orders come out of `orders` lazily, first occurrence of each order_uid only, so that the
 * store can write one chunk while the next is being classified.
 */
interface Triaged {
  position: RecordPosition;
  /** Digest of the record's value as the event carries it (memo.ts), computed once per record. */
  digest: string;
}

export type TriagedRecord = Triaged &
  (
    | { kind: 'remembered'; judgement: Judgement }
    | { kind: 'rejected'; rejection: Rejection }
    /** A valid order; `first` is false for a same-content repeat of an order_uid earlier in the batch. */
    | { kind: 'order'; order: Order; first: boolean }
  );

export interface Triage {
  /** Filled in as `orders` is consumed; complete once it is exhausted. */
  readonly records: TriagedRecord[];
  readonly orders: Iterable<Order>;
}

function* classifyEvent(event: unknown, memo: JudgementMemo, records: TriagedRecord[]): Generator<Order> {
  const firstByUid = new Map<string, Order>();
  for (const raw of iterateRawRecords(event)) {
    const { position } = raw;
    const digest = digestOf(raw.record.value);
    const judgement = memo.lookup(position, digest);
    if (judgement) {
      records.push({ position, digest, kind: 'remembered', judgement });
      continue;
    }
    const decoded = decodeRecord(raw);
    const classified = decoded.value.ok
      ? classifyText(decoded.value.text, decoded.key)
      : ({ ok: false, ...reject('undecodable', asOrderUid(decoded.key), decoded.value.reason) } as const);
    if (!classified.ok) {
      const { ok: _ok, ...rejection } = classified;
      records.push({ position, digest, kind: 'rejected', rejection });
      continue;
    }
    const { order } = classified;
    const earlier = firstByUid.get(order.order_uid);
    if (earlier === undefined) {
      firstByUid.set(order.order_uid, order);
      records.push({ position, digest, kind: 'order', order, first: true });
      yield order;
    } else if (JSON.stringify(earlier) === JSON.stringify(order)) {
      records.push({ position, digest, kind: 'order', order, first: false });
    } else {
      const rejection = reject('conflict', order.order_uid, 'order_uid appears earlier in this batch with different content; the first is kept', '$.order_uid');
      records.push({ position, digest, kind: 'rejected', rejection });
    }
  }
}

export function triageEvent(event: unknown, memo: JudgementMemo): Triage {
  const records: TriagedRecord[] = [];
  return { records, orders: classifyEvent(event, memo, records) };
}

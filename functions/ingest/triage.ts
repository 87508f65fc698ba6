/**
 * Triage: one record of the event on its own, without I/O, to its first `RecordResult`
 * (result.ts). A record this container already decided (memo.ts) keeps its verdict; a new one is
 * decoded and classified (shared/order/classify.ts): `rejected`, or `valid` with its order. A
 * later record of the batch with a valid order under an order_uid seen before is `valid` too when
 * its content is the same (the store writes the order once and answers for both), and rejected as
 * a conflict when it differs (the first is kept).
 */
import { decodeRecord, type RawRecord } from '../../shared/kafka/event.js';
import { classifyText, reject } from '../../shared/order/classify.js';
import { asOrderUid } from '../../shared/order/order-uid.js';
import type { Order } from '../../shared/order/schema.js';
import { digestOf, type RecordMemo } from './memo.js';
import type { RecordResult } from './result.js';

/** Triage of the records of one event, in order (it keeps the first order of each order_uid). */
export function createTriage(memo: RecordMemo): (raw: RawRecord) => RecordResult {
  const firstByUid = new Map<string, Order>();
  return (raw) => {
    const { position } = raw;
    const digest = digestOf(raw.record.value);
    const verdict = memo.lookup(position, digest);
    if (verdict) return { position, digest, remembered: true, ...verdict };
    const decoded = decodeRecord(raw);
    if (!decoded.value.ok) {
      const rejection = reject('undecodable', asOrderUid(decoded.key), decoded.value.reason);
      return { position, digest, remembered: false, status: 'rejected', rejection };
    }
    const classified = classifyText(decoded.value.text, decoded.key);
    if (!classified.ok) {
      const { ok: _ok, ...rejection } = classified;
      return { position, digest, remembered: false, status: 'rejected', rejection };
    }
    return ordered(classified.order, { position, digest, remembered: false }, firstByUid);
  };
}

type Base = Pick<RecordResult, 'position' | 'digest' | 'remembered'>;

function ordered(order: Order, base: Base, firstByUid: Map<string, Order>): RecordResult {
  const earlier = firstByUid.get(order.order_uid);
  if (earlier === undefined) firstByUid.set(order.order_uid, order);
  else if (JSON.stringify(earlier) !== JSON.stringify(order)) {
    const message = 'order_uid appears earlier in this batch with different content; the first is kept';
    const rejection = reject('conflict', order.order_uid, message, '$.order_uid');
    return { ...base, status: 'rejected', rejection };
  }
  return { ...base, status: 'valid', order };
}

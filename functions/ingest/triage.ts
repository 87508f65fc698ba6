/**
 * Triage: one record of the event on its own, without I/O, in two steps, so that the handler can
 * read and judge the records in lock order (lock-order.ts, store.ts):
 *  - `read`: a record no earlier delivery decided (shared-memo.ts `recall`) is decoded and parsed
 *    as JSON (shared/order/classify.ts): a rejected `FinalResult`, or a `ParsedRecord`;
 *  - `judge`: a parsed record against the order contract: a rejected `FinalResult`, or a
 *    `ValidRecord` with its order. A later record with a valid order under an order_uid judged
 *    before is valid too when its content is the same (the store writes the order once and
 *    answers for both), and rejected as a conflict when it differs (the first judged is kept).
 * Every record is digested before it is read (`digestRecord`): each final result carries the
 * digest, and an earlier delivery's verdict counts only for the same digest (memo.ts).
 */
import { decodeRecord, type RawRecord } from '../../shared/kafka/event.js';
import { classifyParsed, parseText, type Rejection, reject } from '../../shared/order/classify.js';
import { asOrderUid } from '../../shared/order/order-uid.js';
import type { Order } from '../../shared/order/schema.js';
import { digestOf } from './memo.js';
import { type Digested, type FinalResult, type RejectedResult, rejected, type ValidRecord } from './result.js';

/** A record of the event with its digest: where every later stage starts. */
export interface DigestedRecord extends Digested {
  raw: RawRecord;
}

/** `index`: the record's place in the event. */
export const digestRecord = (raw: RawRecord, index: number): DigestedRecord => ({
  index,
  position: raw.position,
  digest: digestOf(raw.record.value),
  raw,
});

/** A record read as far as its JSON value, not judged yet. */
export interface ParsedRecord extends Digested {
  status: 'parsed';
  key: string | undefined;
  parsed: unknown;
  /** The order_uid the value claims ('' if none): where the record goes in lock order. */
  claimedUid: string;
}

export interface Triage {
  read(record: DigestedRecord): FinalResult | ParsedRecord;
  judge(record: ParsedRecord): ValidRecord | RejectedResult;
}

const claimedUid = (parsed: unknown): string => {
  const uid = typeof parsed === 'object' && parsed !== null ? (parsed as { order_uid?: unknown }).order_uid : undefined;
  return typeof uid === 'string' ? uid : '';
};

/** Triage of the records of one event (it keeps the first order judged of each order_uid). */
export function createTriage(): Triage {
  const firstByUid = new Map<string, Order>();
  return {
    read({ raw, ...digested }) {
      const refuse = (rejection: Rejection) => rejected(digested, rejection);
      const decoded = decodeRecord(raw);
      if (!decoded.value.ok) return refuse(reject('undecodable', asOrderUid(decoded.key), decoded.value.reason));
      const text = parseText(decoded.value.text, decoded.key);
      if (!text.ok) {
        const { ok: _ok, ...rejection } = text;
        return refuse(rejection);
      }
      return { ...digested, status: 'parsed', key: decoded.key, parsed: text.parsed, claimedUid: claimedUid(text.parsed) };
    },
    judge({ index, position, digest, key, parsed }) {
      const digested = { index, position, digest };
      const classified = classifyParsed(parsed, key);
      if (!classified.ok) {
        const { ok: _ok, ...rejection } = classified;
        return rejected(digested, rejection);
      }
      return ordered(classified.order, digested, firstByUid);
    },
  };
}

function ordered(order: Order, record: Digested, firstByUid: Map<string, Order>): ValidRecord | RejectedResult {
  const earlier = firstByUid.get(order.order_uid);
  if (earlier === undefined) firstByUid.set(order.order_uid, order);
  else if (JSON.stringify(earlier) !== JSON.stringify(order)) {
    const message = 'order_uid appears earlier in this batch with different content; the first is kept';
    return rejected(record, reject('conflict', order.order_uid, message, '$.order_uid'));
  }
  return { ...record, remembered: false, status: 'valid', order };
}

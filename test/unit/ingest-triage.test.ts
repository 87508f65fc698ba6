import { describe, expect, it } from 'vitest';
import { JudgementMemo } from '../../functions/ingest/memo.js';
import { batchResponse, judgeRecords } from '../../functions/ingest/report.js';
import type { OrderFate } from '../../functions/ingest/store.js';
import { triageEvent } from '../../functions/ingest/triage.js';
import { buildKafkaEvent } from '../support/kafka-events.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { Order } from '../../shared/order/schema.js';

const [first, second, third] = fakeOrders(3, 77) as [Order, Order, Order];
const record = (offset: number, value: string | null) => ({ topic: 'orders', partition: 0, offset, value });

const event = buildKafkaEvent([
  record(0, JSON.stringify(first)),
  record(1, '{"order_uid":'),
  record(2, JSON.stringify(first)), // same content again
  record(3, JSON.stringify({ ...first, locale: 'xx' })), // same order_uid, different content
  record(4, JSON.stringify(second)),
  record(5, JSON.stringify(third)),
  record(6, null),
]);

describe('triage and report', () => {
  it('classifies every record and yields each valid order_uid once, lazily', () => {
    const triage = triageEvent(event, new JudgementMemo(100));
    expect(triage.records).toEqual([]);
    expect([...triage.orders].map((order) => order.order_uid)).toEqual([first.order_uid, second.order_uid, third.order_uid]);
    expect(triage.records.map((triaged) => (triaged.kind === 'rejected' ? triaged.rejection.reason : triaged.kind))).toEqual([
      'order', 'not_json', 'order', 'conflict', 'order', 'order', 'undecodable',
    ]);
  });

  it('turns store fates into verdicts: stored, duplicate, conflict and refused orders', () => {
    const memo = new JudgementMemo(100);
    const triage = triageEvent(event, memo);
    [...triage.orders];
    const fates = new Map<string, OrderFate>([
      [first.order_uid, 'inserted'],
      [second.order_uid, 'conflict'],
      [third.order_uid, { refused: 'SQLSTATE 22008: date/time field value out of range' }],
    ]);
    const { summary, verdicts } = judgeRecords(triage.records, fates, memo);

    expect(summary).toEqual({ records: 7, stored: 1, duplicates: 1, conflicts: 2, rejected: 5, remembered: 0 });
    expect(verdicts.map((verdict) => verdict.rejection?.reason ?? 'acknowledged')).toEqual([
      'acknowledged', 'not_json', 'acknowledged', 'conflict', 'conflict', 'refused_by_database', 'undecodable',
    ]);
    expect(batchResponse(verdicts).batchItemFailures.map(({ itemIdentifier }) => itemIdentifier.offset)).toEqual([1, 3, 4, 5, 6]);
  });

  it('remembers the verdicts: a re-delivery yields nothing to store and reports the same records', () => {
    const memo = new JudgementMemo(100);
    const triage = triageEvent(event, memo);
    [...triage.orders];
    const fates = new Map<string, OrderFate>([[first.order_uid, 'inserted'], [second.order_uid, 'inserted'], [third.order_uid, 'duplicate']]);
    const firstReport = judgeRecords(triage.records, fates, memo);

    const again = triageEvent(event, memo);
    expect([...again.orders]).toEqual([]);
    const secondReport = judgeRecords(again.records, new Map(), memo);

    expect(batchResponse(secondReport.verdicts)).toEqual(batchResponse(firstReport.verdicts));
    expect(secondReport.summary).toMatchObject({ records: 7, stored: 0, remembered: 7, rejected: 3 });
    expect(secondReport.verdicts.every((verdict) => !verdict.fresh)).toBe(true);
  });
});

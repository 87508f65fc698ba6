import { describe, expect, it } from 'vitest';
import { RecordMemo } from '../../functions/ingest/memo.js';
import { batchResponse, summarize } from '../../functions/ingest/report.js';
import type { FinalResult } from '../../functions/ingest/result.js';
import { recall } from '../../functions/ingest/shared-memo.js';
import { createTriage, digestRecord } from '../../functions/ingest/triage.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { readKafkaEvent } from '../../shared/kafka/event.js';
import { reject } from '../../shared/order/classify.js';
import type { Order } from '../../shared/order/schema.js';
import { buildKafkaEvent } from '../support/kafka-events.js';

const [first, second] = fakeOrders(2, 77) as [Order, Order];
const record = (offset: number, value: string | null) => ({ topic: 'orders', partition: 0, offset, value });

const event = buildKafkaEvent([
  record(0, JSON.stringify(first)),
  record(1, '{"order_uid":'),
  record(2, JSON.stringify(first)), // same content again
  record(3, JSON.stringify({ ...first, locale: 'xx' })), // same order_uid, different content
  record(4, JSON.stringify(second)),
  record(5, null),
]);

/**
 * Recalls or reads every record, then judges the parsed ones in event order (the handler judges
 * them in lock order); nothing kept in PostgreSQL.
 */
const triageAll = (memo: RecordMemo, kafkaEvent = event) => {
  const triage = createTriage();
  return [...readKafkaEvent(kafkaEvent).records].map((raw, index) => {
    const record = digestRecord(raw, index);
    const read = recall(record, memo, new Map()) ?? triage.read(record);
    return read.status === 'parsed' ? triage.judge(read) : read;
  });
};
const label = (result: { status: string; rejection?: { reason: string } }) => result.rejection?.reason ?? result.status;

describe('triage', () => {
  it('gives every record its first result: valid (also a same-content repeat), or rejected with the reason', () => {
    const results = triageAll(new RecordMemo(100));
    expect(results.map(label)).toEqual(['valid', 'not_json', 'valid', 'conflict', 'valid', 'undecodable']);
    expect(results.every((result) => !result.remembered)).toBe(true);
  });

  it('keeps the verdict of a record this container already decided, without classifying it again', () => {
    const memo = new RecordMemo(100);
    const [firstResult] = triageAll(memo);
    memo.remember(firstResult!.position, firstResult!.digest, { status: 'stored' });
    const again = triageAll(memo);
    expect(again[0]).toMatchObject({ status: 'duplicate', remembered: true });
    expect(again[2]).toMatchObject({ status: 'valid', remembered: false });
  });

  it('says where a value is not JSON and never quotes it', () => {
    const secret = buildKafkaEvent([record(0, '{"name":"Zelda Quix","phone":+15550100}'), record(1, 'Zelda Quix')]);
    const results = triageAll(new RecordMemo(0), secret);
    const messages = results.map((result) => (result.status === 'rejected' ? result.rejection.violations[0]!.message : ''));
    expect(messages).toEqual(['not JSON: unexpected character', 'not JSON: unexpected character']);
    const truncated = triageAll(new RecordMemo(0), buildKafkaEvent([record(0, '{"name" "Zelda"}')]));
    const message = "not JSON: expected ':' after property name at position 8";
    expect(truncated[0]).toMatchObject({ rejection: { violations: [{ message }] } });
  });
});

describe('report', () => {
  const at = (offset: number) => ({ topic: 'orders', partition: 0, offset });
  const results: FinalResult[] = [
    { index: 0, position: at(0), digest: 'a', remembered: false, status: 'stored' },
    { index: 1, position: at(1), digest: 'b', remembered: false, status: 'rejected', rejection: reject('not_json', undefined, 'not JSON') },
    { index: 2, position: at(2), digest: 'c', remembered: false, status: 'duplicate' },
    {
      index: 3,
      position: at(3),
      digest: 'd',
      remembered: false,
      status: 'rejected',
      rejection: reject('conflict', 'x', 'different content'),
    },
    { index: 4, position: at(4), digest: 'e', remembered: true, status: 'duplicate' },
    {
      index: 5,
      position: at(5),
      digest: 'f',
      remembered: true,
      status: 'rejected',
      rejection: reject('conflict', 'y', 'different content'),
    },
  ];

  it('counts the summary from the final results (remembered ones apart from stored and duplicates)', () => {
    expect(summarize(results)).toEqual({ records: 6, stored: 1, duplicates: 1, conflicts: 2, rejected: 3, remembered: 2 });
  });

  it('reports exactly the rejected records as batch item failures', () => {
    expect(batchResponse(results).batchItemFailures.map(({ itemIdentifier }) => itemIdentifier.offset)).toEqual([1, 3, 5]);
  });
});

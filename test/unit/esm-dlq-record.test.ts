import { describe, expect, it } from 'vitest';
import { dlqEntries, type DlqMessage, toDlqMessage } from '../../local/emulators/esm/dlq-record.js';
import { explain, readableOrderUid } from '../../local/tools/dlq.js';
import { readFixture } from '../support/fixtures.js';

interface MessageFixture {
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
  headers?: Record<string, string>;
}

/** The fixture as kafkajs hands a message over: key, value and headers as bytes. */
function message(fixture: string): { partition: number; message: DlqMessage } {
  const { partition, offset, key, value, headers } = readFixture<MessageFixture>(fixture);
  const bytes = (text: string) => Buffer.from(text, 'utf8');
  return {
    partition,
    message: {
      offset,
      key: key === null ? null : bytes(key),
      value: bytes(typeof value === 'string' ? value : JSON.stringify(value)),
      headers: Object.fromEntries(Object.entries(headers ?? {}).map(([name, text]) => [name, bytes(text)])),
    },
  };
}

describe('dlqEntries (DLQ records as the tools read them)', () => {
  it("reads Lambda's Kafka on-failure destination form: the failed record out of the JSON envelope, with its metadata", () => {
    const { partition, message: dlqMessage } = message('events/msk-dlq-on-failure-record.json');
    const [entry, ...others] = dlqEntries(partition, dlqMessage);

    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      dlqPartition: 0,
      dlqOffset: 7,
      condition: 'RetriesExhausted',
      attempts: 11,
      failedAt: '2026-11-14T18:16:05.568Z',
      reason: 'function error: Unhandled',
      source: { topic: 'orders', partition: 3, offset: 42 },
    });
    expect(entry!.key?.toString()).toBe('b563feb7b2b84b6test');
    expect(JSON.parse(entry!.value!.toString()).order_uid).toBe('b563feb7b2b84b6test');
    expect(entry!.originalHeaders).toEqual({ traceparent: Buffer.from('00-1') });
    expect(readableOrderUid(entry!)).toBe('b563feb7b2b84b6test');
    expect(explain(entry!)).toMatch(/^invalid_order: \$\.payment\.amount: must equal goods_total \+ delivery_cost \+ custom_fee/);
  });

  it('writes what it reads: a failed record in the envelope Lambda writes, metadata and record intact', () => {
    const record = {
      topic: 'orders',
      partition: 4,
      offset: 42,
      timestamp: 1763144164835,
      key: Buffer.from('k-7'),
      value: Buffer.from('{"order_uid"'),
      headers: { traceparent: Buffer.from('00-1') },
    };
    const source = {
      functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:ingest',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/local/x',
      bootstrapServers: '127.0.0.1:9092',
    };
    const written = toDlqMessage(record, { condition: 'RetriesExhausted', attempts: 11, functionError: false }, source, 3);
    expect(written.key).toEqual(Buffer.from('k-7'));
    const document = JSON.parse(String(written.value)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(document).sort()).toEqual([
      'KafkaBatchInfo',
      'payload',
      'requestContext',
      'responseContext',
      'timestamp',
      'version',
    ]);
    expect(document.requestContext).toMatchObject({
      functionArn: `${source.functionArn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 11,
    });
    expect(document.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(document.KafkaBatchInfo).toMatchObject({ batchSize: 3, recordInfo: { offset: '42', timestamp: '2025-11-14T18:16:04.835Z' } });

    const [entry, ...others] = dlqEntries(0, { offset: '9', key: written.key as Buffer, value: Buffer.from(String(written.value)) });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      condition: 'RetriesExhausted',
      attempts: 11,
      reason: undefined,
      source: { topic: 'orders', partition: 4, offset: 42 },
    });
    expect(entry!.value).toEqual(record.value);
    expect(entry!.key).toEqual(record.key);
    expect(entry!.originalHeaders).toEqual({ traceparent: Buffer.from('00-1') });
    expect(explain(entry!)).toMatch(/^not_json: /);
  });

  it('marks a record whose last invocation failed as a whole with functionError Unhandled', () => {
    const record = { topic: 'orders', partition: 0, offset: 1, timestamp: 0, key: null, value: Buffer.from('{}'), headers: {} };
    const source = { functionArn: 'arn:f', eventSourceArn: 'arn:c', bootstrapServers: 'b:1' };
    const written = toDlqMessage(record, { condition: 'RetriesExhausted', attempts: 3, functionError: true }, source, 1);
    const [entry] = dlqEntries(0, { offset: '0', key: null, value: Buffer.from(String(written.value)) });
    expect(entry!.reason).toBe('function error: Unhandled');
    expect(entry!.key).toBeNull();
  });

  it('explains a valid order as one that failed for another reason', () => {
    const order = readFixture<Record<string, unknown>>('orders/seed-wildberries-b563feb7b2b84b6test.json');
    expect(explain({ key: null, value: Buffer.from(JSON.stringify(order)) })).toMatch(/^a valid order now/);
  });

  it('reads a message that is not an on-failure record as one entry without metadata, its bytes as they are', () => {
    const value = Buffer.from('{"payload": {"records": {}}}');
    const [entry, ...others] = dlqEntries(0, { offset: '1', key: null, value });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ condition: undefined, attempts: undefined, reason: 'not an on-failure destination record', value });
  });
});

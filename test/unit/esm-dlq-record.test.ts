import { describe, expect, it } from 'vitest';
import { dlqEntries, type DlqMessage } from '../../local/emulators/esm/dlq-record.js';
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
      form: 'aws',
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

  it("reads the local emulator's form: the record itself, with the x-esm-* headers kept apart from the original ones", () => {
    const { partition, message: dlqMessage } = message('events/msk-dlq-emulator-record.json');
    const [entry] = dlqEntries(partition, dlqMessage);

    expect(entry).toMatchObject({
      form: 'local',
      dlqOffset: 3,
      condition: 'RetryAttemptsExhausted',
      attempts: 11,
      reason: expect.stringMatching(/^not_json: /),
      source: { topic: 'orders', partition: 1, offset: 7 },
    });
    expect(entry!.originalHeaders).toEqual({ traceparent: Buffer.from('00-1') });
    expect(readableOrderUid(entry!)).toBe('k-1');
    expect(explain(entry!)).toMatch(/^not_json: \$: not JSON/);
  });

  it('explains a valid order as one that failed for another reason', () => {
    const order = readFixture<Record<string, unknown>>('orders/seed-wildberries-b563feb7b2b84b6test.json');
    expect(explain({ key: null, value: Buffer.from(JSON.stringify(order)) })).toMatch(/^a valid order now/);
  });

  it('reads a JSON value without the envelope as a record of the local form, not as an AWS one', () => {
    const [entry] = dlqEntries(0, { offset: '1', key: null, value: Buffer.from('{"payload": {"records": {}}}') });
    expect(entry?.form).toBe('local');
  });
});

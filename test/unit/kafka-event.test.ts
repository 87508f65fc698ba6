import { KafkaMskEventSchema, KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { describe, expect, it } from 'vitest';
import { buildKafkaEvent } from '../../local/emulators/kafka-event.js';
import { decodeBase64, decodeKafkaEvent, InvalidKafkaEventError, type KafkaEvent } from '../../shared/kafka/event.js';
import { clone, readFixture } from '../support/fixtures.js';

const mskExample = readFixture<KafkaEvent>('events/msk-aws-example.json');
const selfManagedExample = readFixture<KafkaEvent>('events/self-managed-aws-example.json');

describe('Kafka event decoding', () => {
  it.each([
    ['Amazon MSK', mskExample],
    ['self-managed Kafka', selfManagedExample],
  ])('decodes the AWS example event for %s', (_source, event) => {
    const [record, ...rest] = decodeKafkaEvent(event);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      position: { topic: 'mytopic', partition: 0, offset: 15 },
      timestamp: 1545084650987,
      headers: { headerKey: 'headerValue' },
      value: { ok: true, text: 'Hello, this is a test.' },
    });
  });

  it('treats a record without key and headers as keyless with no headers', () => {
    const event = clone(mskExample);
    const [record] = event.records['mytopic-0']!;
    delete record!.key;
    delete record!.headers;
    expect(decodeKafkaEvent(event)[0]).toMatchObject({ key: undefined, headers: {}, value: { ok: true } });
  });

  it('decodes a UTF-8 key', () => {
    const event = buildKafkaEvent([{ topic: 'orders', partition: 1, offset: 7, key: 'order-1', value: '{}' }]);
    expect(decodeKafkaEvent(event)[0]?.key).toBe('order-1');
  });

  it.each([
    ['no value', null, 'record has no value'],
    ['bad base64', 'not base64!!', 'value is not valid base64'],
    ['base64 with a wrong length', 'abc', 'value is not valid base64'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), 'value is not valid UTF-8'],
  ])('reports %s as an unreadable value', (_case, value, reason) => {
    const event = clone(mskExample);
    event.records['mytopic-0']![0]!.value = value;
    expect(decodeKafkaEvent(event)[0]?.value).toEqual({ ok: false, reason });
  });

  it('decodes every record of every partition, in partition then offset order', () => {
    const event = buildKafkaEvent([
      { topic: 'orders', partition: 0, offset: 5, value: 'a' },
      { topic: 'orders', partition: 2, offset: 9, value: 'b' },
      { topic: 'orders', partition: 0, offset: 6, value: 'c' },
    ]);
    expect(Object.keys(event.records)).toEqual(['orders-0', 'orders-2']);
    expect(decodeKafkaEvent(event).map((record) => record.position)).toEqual([
      { topic: 'orders', partition: 0, offset: 5 },
      { topic: 'orders', partition: 0, offset: 6 },
      { topic: 'orders', partition: 2, offset: 9 },
    ]);
  });

  it('rejects an event that is not from a Kafka event source', () => {
    expect(() => decodeKafkaEvent({ Records: [] })).toThrow(InvalidKafkaEventError);
    expect(() => decodeKafkaEvent({ ...mskExample, eventSource: 'aws:sqs' })).toThrow(InvalidKafkaEventError);
  });

  it('accepts only canonical padded base64', () => {
    expect(decodeBase64('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64('aGk')).toBeUndefined();
    expect(decodeBase64('aG k=')).toBeUndefined();
    expect(decodeBase64('a!Gk')).toBeUndefined();
    expect(decodeBase64('a=Gk')).toBeUndefined();
    expect(decodeBase64('aGk-')).toBeUndefined();
    expect(decodeBase64('a_k=')).toBeUndefined();
    expect(decodeBase64('aGk\n')).toBeUndefined();
    expect(decodeBase64('')?.length).toBe(0);
  });

  it('decodes a record whose value, key or headers are not what Lambda sends, without throwing', () => {
    const event = clone(mskExample);
    const [original] = Object.values(event.records)[0]!;
    const hostile = { ...original!, value: 42, key: { a: 1 }, headers: [{ good: [104, 105] }, { bad: 'text' }, null, { big: [300] }] };
    (event.records as Record<string, unknown[]>)['mytopic-0'] = [hostile];
    const [record] = decodeKafkaEvent(event);
    expect(record).toMatchObject({ key: undefined, headers: { good: 'hi' }, value: { ok: false, reason: 'value is not valid base64' } });
  });
});

describe('event builder (local emulator and tests)', () => {
  // Powertools' parser schemas are an independent reading of the AWS event shape.
  it('builds MSK events that Powertools KafkaMskEventSchema accepts', () => {
    const event = buildKafkaEvent([{ topic: 'orders', partition: 3, offset: 42, key: 'k', value: '{"a":1}', headers: { source: 'test' } }]);
    const parsed = KafkaMskEventSchema.parse(event);
    expect(parsed.records['orders-3']?.[0]).toMatchObject({ key: 'k', value: '{"a":1}', headers: [{ source: 'test' }] });
  });

  it('builds self-managed events that Powertools KafkaSelfManagedEventSchema accepts', () => {
    const event = buildKafkaEvent([{ topic: 'orders', partition: 0, offset: 1, value: '{}' }], { eventSource: 'SelfManagedKafka' });
    expect(event).not.toHaveProperty('eventSourceArn');
    expect(() => KafkaSelfManagedEventSchema.parse(event)).not.toThrow();
  });

  it('matches the AWS example fixtures field for field', () => {
    const [record] = mskExample.records['mytopic-0']!;
    const rebuilt = buildKafkaEvent(
      [
        {
          topic: 'mytopic',
          partition: 0,
          offset: 15,
          timestamp: 1545084650987,
          key: Buffer.from(record!.key!, 'base64'),
          value: 'Hello, this is a test.',
          headers: { headerKey: 'headerValue' },
        },
      ],
      { eventSourceArn: mskExample.eventSourceArn!, bootstrapServers: mskExample.bootstrapServers! },
    );
    // The AWS example key has non-zero padding bits; any encoder writes the canonical form.
    const expected = clone(mskExample);
    expected.records['mytopic-0']![0]!.key = Buffer.from(record!.key!, 'base64').toString('base64');
    expect(rebuilt).toEqual(expected);
  });
});

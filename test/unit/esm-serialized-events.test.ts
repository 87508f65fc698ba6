import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../local/emulators/esm/batch.js';
import { systemClock } from '../../local/emulators/esm/clock.js';
import { createInvoker, type EsmFunction } from '../../local/emulators/esm/invoker.js';
import { processBatch } from '../../local/emulators/esm/processor.js';
import { buildKafkaEvent } from '../../local/emulators/kafka-event.js';
import { payloadOf, serializing, unchanging } from '../../local/emulators/serialized-events.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';

const record = (offset: number): SourceRecord => ({
  topic: 'orders',
  partition: 0,
  offset,
  timestamp: 1_767_225_600_000,
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(`v${offset}`),
  headers: {},
});

/** A poisoned batch (offset 2 always fails) through the retry policy: the event of every attempt. */
async function attempts(wrap: (handler: EsmFunction) => EsmFunction): Promise<KafkaEvent[]> {
  const events: KafkaEvent[] = [];
  const handler = wrap(async (event) => {
    events.push(event);
    return { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 2 } }] };
  });
  const invoke = createInvoker({ handler, functionName: 'test', functionTimeoutMs: 5_000, bootstrapServers: 'local:9092' });
  const noWait = { initialMs: 0, multiplier: 2, maxMs: 0 };
  await processBatch([0, 1, 2, 3, 4].map(record), {
    invoke,
    writeDlq: async () => {},
    settings: { maxRetryAttempts: 3, bisectOnError: false, errorBackoff: noWait, partialBackoff: noWait, maxRecordAgeMs: -1 },
    stats: { invocations: 0, functionErrors: 0, partialFailures: 0, recordsToDlq: 0 },
    log: () => {},
    signal: new AbortController().signal,
    clock: systemClock,
  });
  return events;
}

const retried = buildKafkaEvent([2, 3, 4].map(record), { bootstrapServers: 'local:9092' });

describe('events that reach a function only as JSON (serialized-events.ts)', () => {
  it('gives a function that serializes its events the same event object for each retry of the same records', async () => {
    const events = await attempts(serializing);
    expect(events).toHaveLength(4);
    expect(events[0]).not.toBe(events[1]);
    expect(events[2]).toBe(events[1]);
    expect(events[3]).toBe(events[1]);
    expect(JSON.stringify(events[1])).toBe(JSON.stringify(retried));
  });

  it('gives any other function a new event object for every attempt, as AWS does', async () => {
    const events = await attempts((handler) => handler);
    expect(new Set(events).size).toBe(4);
    for (const event of events.slice(1)) expect(event).toEqual(retried);
  });

  it('serializes an event declared unchanging once, and any other event at every invocation', () => {
    const event = unchanging(buildKafkaEvent([record(0)]));
    const payload = payloadOf(event);
    expect(JSON.parse(payload.toString('utf8'))).toEqual(event);
    event.bootstrapServers = 'changed:9092';
    expect(payloadOf(event)).toBe(payload);
    const other = buildKafkaEvent([record(0)]);
    payloadOf(other);
    other.bootstrapServers = 'changed:9092';
    expect(JSON.parse(payloadOf(other).toString('utf8'))).toMatchObject({ bootstrapServers: 'changed:9092' });
    expect(payloadOf(undefined).toString('utf8')).toBe('null');
  });
});

/**
 * The emulator's AWS semantics against a real broker. The function here is a scripted stand-in
 * (not the ingest handler) because these rules are about the event-source mapping: which records
 * it sends again after an error or a partial batch response, and what reaches the DLQ.
 */
import { KafkaMskEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, type EmulatorOptions, type EsmFunction, type Invocation, startEmulator } from '../../local/emulators/esm/emulator.js';
import { sendRecords } from '../../local/tools/produce.js';
import { systemClock } from '../../local/emulators/esm/clock.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/kafka/event.js';
import { consumerLag, createTestTopics, readDlq, startTestKafka, type TestKafka, waitForCaughtUp } from '../support/kafka.js';

let kafka: TestKafka;
beforeAll(async () => {
  kafka = await startTestKafka();
});
afterAll(async () => {
  await kafka?.destroy();
});

const values = (event: KafkaEvent) => decodeKafkaEvent(event).map((record) => (record.value.ok ? record.value.text : '?'));
const records = (texts: string[]) => texts.map((text) => ({ kind: 'valid' as const, key: 'k', value: text }));

async function run(texts: string[], fn: EsmFunction, options: Partial<EmulatorOptions> = {}) {
  const topics = await createTestTopics(kafka.brokers, 1);
  const invocations: Invocation[] = [];
  const emulator = await startEmulator({
    brokers: kafka.brokers,
    ...topics,
    handler: fn,
    backoff: { initialMs: 10, multiplier: 2, maxMs: 50 },
    batchWindowMs: 100,
    log: () => {},
    onInvoke: (invocation) => invocations.push(invocation),
    ...options,
  });
  try {
    await sendRecords(records(texts), { brokers: [kafka.brokers], topic: topics.topic, client: {} });
    await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic, 60_000);
  } finally {
    await emulator.stop();
  }
  return { invocations, dlq: await readDlq(kafka.brokers, topics.dlqTopic), stats: emulator.stats };
}

describe('event-source mapping emulator', () => {
  it('invokes with batches of at most batchSize records, each a valid MSK event', async () => {
    const texts = Array.from({ length: 250 }, (_, index) => `r${index}`);
    const { invocations } = await run(texts, async () => ({ batchItemFailures: [] }), { batchSize: 100 });
    expect(invocations.flatMap((invocation) => values(invocation.event))).toEqual(texts);
    expect(Math.max(...invocations.map((invocation) => invocation.records))).toBe(100);
    for (const invocation of invocations) expect(KafkaMskEventSchema.safeParse(invocation.event).success).toBe(true);
  });

  it('retries from the lowest reported offset of a partial batch response, successful later records included', async () => {
    let first = true;
    const { invocations, dlq } = await run(['a', 'b', 'c', 'd'], async (event) => {
      const batch = decodeKafkaEvent(event);
      if (!first) return { batchItemFailures: [] };
      first = false;
      const b = batch.find((record) => record.value.ok && record.value.text === 'b')!;
      return { batchItemFailures: [{ itemIdentifier: { partition: `${b.position.topic}-0`, offset: b.position.offset } }] };
    });
    expect(invocations.map((invocation) => values(invocation.event))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'c', 'd'],
    ]);
    expect(dlq).toEqual([]);
  });

  it('bisects a failing batch, retries the failing record with backoff, then sends only it to the DLQ', async () => {
    const { invocations, dlq, stats } = await run(
      ['a', 'b', 'poison', 'c'],
      async (event) => {
        if (values(event).includes('poison')) throw new Error('cannot digest poison');
        return { batchItemFailures: [] };
      },
      { maxRetryAttempts: 2 },
    );
    const delivered = new Set(invocations.filter((invocation) => !invocation.error).flatMap((invocation) => values(invocation.event)));
    expect([...delivered].sort()).toEqual(['a', 'b', 'c']);
    // 4 records → [a, b] + [poison, c] → [poison] + [c]; [poison] then gets 2 retries.
    expect(invocations.filter((invocation) => invocation.error).map((invocation) => values(invocation.event))).toEqual([
      ['a', 'b', 'poison', 'c'],
      ['poison', 'c'],
      ['poison'],
      ['poison'],
      ['poison'],
    ]);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({ condition: 'RetriesExhausted', reason: 'function error: Unhandled', attempts: 5 });
    expect(dlq[0]!.value?.toString()).toBe('poison');
    expect(stats.recordsToDlq).toBe(1);
  });

  it('sends a record the function keeps reporting failed to the DLQ after the default retries, with no wait between partial-failure retries', async () => {
    // The waits the emulator asks its clock for, observed instead of timed.
    const waits: number[] = [];
    const clock: Clock = {
      now: systemClock.now,
      sleep: (ms, signal) => {
        waits.push(ms);
        return systemClock.sleep(ms, signal);
      },
    };
    const { invocations, dlq } = await run(
      ['a', 'poison', 'b'],
      async (event) => {
        const poison = decodeKafkaEvent(event).find((record) => record.value.ok && record.value.text === 'poison');
        return {
          batchItemFailures: poison
            ? [{ itemIdentifier: { partition: `${poison.position.topic}-0`, offset: poison.position.offset } }]
            : [],
        };
      },
      { backoff: undefined, maxRetryAttempts: undefined, clock },
    );
    expect(waits).toEqual([]);
    // The first invocation and 10 retries (the default), each from the poison record on.
    expect(invocations).toHaveLength(11);
    expect(invocations.slice(1).map((invocation) => values(invocation.event))).toEqual(Array.from({ length: 10 }, () => ['poison', 'b']));
    expect(dlq.map((entry) => entry.value?.toString())).toEqual(['poison']);
    expect(dlq[0]).toMatchObject({ condition: 'RetriesExhausted', attempts: 11 });
  });

  it('treats an invocation that outlasts functionTimeoutMs as a function error and retries the batch', async () => {
    let calls = 0;
    const { invocations, dlq, stats } = await run(
      ['slow'],
      async () => {
        calls += 1;
        // The first invocation never answers: only the timeout can end it.
        if (calls === 1) await new Promise(() => {});
        return { batchItemFailures: [] };
      },
      { functionTimeoutMs: 300 },
    );
    expect(invocations.map((invocation) => invocation.error?.message)).toEqual(['Task timed out after 0.30 seconds', undefined]);
    expect(stats.functionErrors).toBe(1);
    expect(dlq).toEqual([]);
  });

  it('stops at once during a retry wait, commits nothing past the failing record, and delivers it again on the next start', async () => {
    const topics = await createTestTopics(kafka.brokers, 1);
    const { promise: invoked, resolve: onInvoke } = Promise.withResolvers<Invocation>();
    const failing = await startEmulator({
      brokers: kafka.brokers,
      ...topics,
      handler: async () => {
        throw new Error('database down');
      },
      // Longer than the test's timeout: stop() returns only if it ends the wait.
      backoff: { initialMs: 3_600_000, multiplier: 2, maxMs: 3_600_000 },
      batchWindowMs: 100,
      log: () => {},
      onInvoke,
    });
    await sendRecords(records(['x']), { brokers: [kafka.brokers], topic: topics.topic, client: {} });
    expect((await invoked).error?.message).toBe('database down');
    await failing.stop();
    expect(await consumerLag(kafka.brokers, topics.groupId, topics.topic)).toBe(1);

    const seen: string[][] = [];
    const healthy = await startEmulator({
      brokers: kafka.brokers,
      ...topics,
      handler: async (event) => {
        seen.push(values(event));
        return { batchItemFailures: [] };
      },
      batchWindowMs: 100,
      log: () => {},
    });
    try {
      await waitForCaughtUp(kafka.brokers, topics.groupId, topics.topic, 60_000);
    } finally {
      await healthy.stop();
    }
    expect(seen).toEqual([['x']]);
  });
});

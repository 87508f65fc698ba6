/**
 * The event-source mapping's retry rules, one test per rule AWS documents, run through the real
 * invoker and processor against a scripted handler: a stand-in for the function under the
 * mapping that answers each invocation from a script. No Kafka, no sockets; the DLQ is an array.
 */
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../local/emulators/esm/batch.js';
import { type Clock, systemClock } from '../../local/emulators/esm/clock.js';
import { diagnoseRecord } from '../../local/emulators/esm/dlq-record.js';
import { createInvoker, type EsmFunction } from '../../local/emulators/esm/invoker.js';
import { ESM_DEFAULTS } from '../../local/emulators/esm/options.js';
import { backoffDelay, type DlqBatch, decide, firstAttempt, type RetrySettings, totalBackoff } from '../../local/emulators/esm/policy.js';
import { type ProcessorStats, processBatch } from '../../local/emulators/esm/processor.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/kafka/event.js';

/** The injected clock's "now": record ages are measured against it, not against the wall clock. */
const NOW = Date.parse('2026-01-01T00:00:00Z');
const fixedClock: Clock = { now: () => NOW, sleep: systemClock.sleep };

const record = (partition: number, offset: number, timestamp = NOW): SourceRecord => ({
  topic: 'orders',
  partition,
  offset,
  timestamp,
  key: null,
  value: Buffer.from(`r${partition}-${offset}`),
  headers: {},
});
const failure = (partition: number, offset: number) => ({ itemIdentifier: { partition: `orders-${partition}`, offset } });
const names = (event: KafkaEvent) => decodeKafkaEvent(event).map(({ position }) => `${position.partition}@${position.offset}`);
const positions = (records: readonly SourceRecord[]) => records.map((r) => `${r.partition}@${r.offset}`);

type Answer = unknown | Error | ((event: KafkaEvent) => unknown);
/** Answers the n-th invocation with script[n] (the last one from then on); an Error is thrown. */
function scriptedHandler(script: Answer[]): { handler: EsmFunction; seen: string[][] } {
  const seen: string[][] = [];
  const handler: EsmFunction = async (event) => {
    const answer = script[Math.min(seen.length, script.length - 1)];
    seen.push(names(event));
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? (answer as (event: KafkaEvent) => unknown)(event) : answer;
  };
  return { handler, seen };
}

const NO_WAIT = { initialMs: 0, multiplier: 2, maxMs: 0 };
const baseSettings: RetrySettings & { maxRecordAgeMs: number } = {
  maxRetryAttempts: 2,
  bisectOnError: false,
  errorBackoff: NO_WAIT,
  partialBackoff: NO_WAIT,
  maxRecordAgeMs: -1,
};

async function run(
  records: SourceRecord[],
  script: Answer[],
  settings: Partial<typeof baseSettings> = {},
  extra: { functionTimeoutMs?: number; signal?: AbortSignal; clock?: Clock } = {},
) {
  const { handler, seen } = scriptedHandler(script);
  const dlq: DlqBatch[] = [];
  const stats: ProcessorStats = { invocations: 0, functionErrors: 0, partialFailures: 0, recordsToDlq: 0 };
  const invoke = createInvoker({
    handler,
    functionName: 'test',
    functionTimeoutMs: extra.functionTimeoutMs ?? 5_000,
    bootstrapServers: 'local:9092',
  });
  const result = await processBatch(records, {
    invoke,
    writeDlq: async (batch) => {
      dlq.push(batch);
    },
    settings: { ...baseSettings, ...settings },
    stats,
    log: () => {},
    signal: extra.signal ?? new AbortController().signal,
    clock: extra.clock ?? fixedClock,
  });
  return { seen, dlq, stats, settled: positions([...result.settled]), error: result.error };
}

describe('event-source mapping retry policy', () => {
  // kafka-retry-configurations.html: "retry only the failed records"; services-kinesis-batchfailurereporting.html:
  // "Lambda uses the record with the lowest sequence number as the checkpoint. Lambda then retries all records starting from that checkpoint."
  it('partial batch response: retries each partition from its lowest failed offset, later successful records included, and keeps the records before it', async () => {
    const batch = [record(0, 10), record(0, 11), record(0, 12), record(1, 5), record(1, 6)];
    const { seen, dlq, settled, stats } = await run(batch, [
      { batchItemFailures: [failure(0, 12), failure(0, 11), failure(1, 6)] },
      { batchItemFailures: [] },
    ]);
    expect(seen).toEqual([
      ['0@10', '0@11', '0@12', '1@5', '1@6'],
      ['0@11', '0@12', '1@6'],
    ]);
    expect(dlq).toEqual([]);
    expect(settled.sort()).toEqual(['0@10', '0@11', '0@12', '1@5', '1@6']);
    expect(stats.partialFailures).toBe(1);
  });

  // services-kinesis-batchfailurereporting.html: an empty or null batchItemFailures list, or an empty or null response, is a complete success.
  it.each([undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }])(
    'partial batch response: %j is a complete success',
    async (answer) => {
      const { seen, settled } = await run([record(0, 1), record(0, 2)], [answer]);
      expect(seen).toHaveLength(1);
      expect(settled).toEqual(['0@1', '0@2']);
    },
  );

  // kafka-retry-configurations.html: MaximumRetryAttempts counts the retries "when your function returns an error"; it does not count the first invocation.
  it('function error: retries the whole batch, up to MaximumRetryAttempts retries after the first invocation', async () => {
    const batch = [record(0, 1), record(0, 2), record(0, 3)];
    const { seen, dlq, stats } = await run(batch, [new Error('database down')], { maxRetryAttempts: 2 });
    expect(seen).toEqual([
      ['0@1', '0@2', '0@3'],
      ['0@1', '0@2', '0@3'],
      ['0@1', '0@2', '0@3'],
    ]);
    expect(dlq).toEqual([{ records: batch, condition: 'RetriesExhausted', reason: 'function error: database down', attempts: 3 }]);
    expect(stats.functionErrors).toBe(3);
  });

  it('function error: a retry that succeeds settles the batch and sends nothing to the DLQ', async () => {
    const { seen, dlq, settled } = await run([record(0, 1), record(0, 2)], [new Error('database down'), { batchItemFailures: [] }]);
    expect(seen).toHaveLength(2);
    expect(dlq).toEqual([]);
    expect(settled).toEqual(['0@1', '0@2']);
  });

  // kafka-retry-configurations.html: split batch on error "split the batch into two smaller batches and retry each separately";
  // kinesis-on-failure-destination.html: "Splitting a batch does not count towards the retry quota."
  it('BisectBatchOnFunctionError: splits a failing batch in halves, first half first, without using up retries', async () => {
    const batch = [record(0, 1), record(0, 2), record(0, 3), record(0, 4)];
    const poisoned: Answer = (event: KafkaEvent) => {
      if (names(event).includes('0@3')) throw new Error('cannot digest 0@3');
      return { batchItemFailures: [] };
    };
    const { seen, dlq, settled } = await run(batch, [poisoned], { bisectOnError: true, maxRetryAttempts: 1 });
    expect(seen).toEqual([['0@1', '0@2', '0@3', '0@4'], ['0@1', '0@2'], ['0@3', '0@4'], ['0@3'], ['0@3'], ['0@4']]);
    expect(dlq).toEqual([{ records: [batch[2]], condition: 'RetriesExhausted', reason: 'function error: cannot digest 0@3', attempts: 4 }]);
    expect(settled.sort()).toEqual(['0@1', '0@2', '0@3', '0@4']);
  });

  // kafka-on-failure-destination.html: records that cannot be processed "after exhausting retry attempts" go to the destination.
  it('on-failure destination: gets only the records reported failed once retries are exhausted, not their successful neighbours', async () => {
    const batch = [record(0, 1), record(0, 2), record(0, 3)];
    const { seen, dlq, settled } = await run(batch, [{ batchItemFailures: [failure(0, 2)] }], { maxRetryAttempts: 2 });
    expect(seen).toEqual([
      ['0@1', '0@2', '0@3'],
      ['0@2', '0@3'],
      ['0@2', '0@3'],
    ]);
    expect(dlq).toHaveLength(1);
    expect(positions(dlq[0]!.records)).toEqual(['0@2']);
    expect(dlq[0]).toMatchObject({ condition: 'RetriesExhausted', attempts: 3 });
    // No reason from the policy (not a function error): the DLQ tool explains the record with the consumer's own diagnosis.
    expect(dlq[0]!.reason).toBeUndefined();
    expect(diagnoseRecord({ value: Buffer.from('{') })).toMatch(/^not_json: /);
    expect(settled.sort()).toEqual(['0@1', '0@2', '0@3']);
  });

  // kafka-retry-configurations.html: maximum retry attempts -1 = infinite.
  it('MaximumRetryAttempts -1: retries without end and never sends to the DLQ', () => {
    const settings = { ...baseSettings, maxRetryAttempts: -1 };
    const attempt = { ...firstAttempt([record(0, 1)]), retries: 10_000, invocations: 10_001 };
    for (const outcome of [
      { ok: false as const, error: new Error('down') },
      { ok: true as const, response: { batchItemFailures: [failure(0, 1)] } },
    ]) {
      const step = decide(attempt, outcome, settings);
      expect(step.dlq).toBeUndefined();
      expect(step.next).toMatchObject([{ retries: 10_001 }]);
    }
  });

  // kafka-retry-configurations.html: maximum record age, "the maximum age of a record that Lambda sends to your function";
  // kafka-on-failure-destination.html: records that "exceed the maximum age" go to the destination.
  it('MaximumRecordAgeInSeconds: sends records older than the maximum age to the DLQ without invoking the function with them', async () => {
    const old = record(0, 1, NOW - 120_000);
    const fresh = record(0, 2);
    const { seen, dlq, settled } = await run([old, fresh], [{ batchItemFailures: [] }], { maxRecordAgeMs: 60_000 });
    expect(seen).toEqual([['0@2']]);
    expect(dlq).toEqual([{ records: [old], condition: 'RecordAgeExceeded', reason: 'older than 60000 ms', attempts: 0 }]);
    expect(settled.sort()).toEqual(['0@1', '0@2']);
  });

  // services-kinesis-batchfailurereporting.html: an empty or null itemIdentifier, or one with a wrong key name, makes the batch a
  // complete failure, retried by the retry policy; an identifier naming no record of the batch is read the same way.
  it.each([
    ['an unknown offset', { batchItemFailures: [failure(0, 99)] }],
    ['an unknown partition', { batchItemFailures: [failure(7, 1)] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrongly keyed itemIdentifier', { batchItemFailures: [{ itemIdentifier: { topicPartition: 'orders-0', offset: 1 } }] }],
    ['a batchItemFailures that is not a list', { batchItemFailures: 'orders-0@1' }],
  ])('invalid batch response (%s): treated as a function error, the whole batch retried', async (_, answer) => {
    const batch = [record(0, 1), record(0, 2)];
    const { seen, dlq, stats } = await run(batch, [answer, { batchItemFailures: [] }]);
    expect(seen).toEqual([
      ['0@1', '0@2'],
      ['0@1', '0@2'],
    ]);
    expect(stats.functionErrors).toBe(1);
    expect(dlq).toEqual([]);
  });

  // A timeout is an invocation error: Lambda ends the invocation ("Task timed out") and the mapping retries it.
  it('function timeout: an invocation that outlasts functionTimeoutMs is a function error', async () => {
    const { seen, dlq } = await run([record(0, 1)], [() => new Promise(() => {})], { maxRetryAttempts: 0 }, { functionTimeoutMs: 20 });
    expect(seen).toHaveLength(1);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.reason).toBe('function error: Task timed out after 0.02 seconds');
  });

  it('stopping: aborting the signal ends a retry wait at once and leaves the unfinished records unsettled', async () => {
    const stop = new AbortController();
    // The wait is real and longer than the test's timeout: only the abort can end it. It is aborted once it has begun.
    const waits: number[] = [];
    const clock: Clock = {
      now: fixedClock.now,
      sleep: (ms, signal) => {
        waits.push(ms);
        const sleeping = systemClock.sleep(ms, signal);
        stop.abort();
        return sleeping;
      },
    };
    const slow = { initialMs: 3_600_000, multiplier: 2, maxMs: 3_600_000 };
    const { seen, settled, error } = await run([record(0, 1)], [new Error('down')], { errorBackoff: slow }, { signal: stop.signal, clock });
    expect(waits).toEqual([3_600_000]);
    expect(seen).toHaveLength(1);
    expect(settled).toEqual([]);
    expect(error).toBeUndefined();
  });
});

describe('retry spacing (AWS documents none; the emulator chooses)', () => {
  const defaults = {
    ...baseSettings,
    errorBackoff: ESM_DEFAULTS.backoff,
    partialBackoff: ESM_DEFAULTS.partialBackoff,
    maxRetryAttempts: ESM_DEFAULTS.maxRetryAttempts,
  };

  it('retries a partial batch failure at once by default, so a poison record reaches the DLQ without waiting', () => {
    const step = decide(
      { ...firstAttempt([record(0, 1)]), invocations: 1 },
      { ok: true, response: { batchItemFailures: [failure(0, 1)] } },
      defaults,
    );
    expect(step.delayMs).toBe(0);
    expect(totalBackoff(ESM_DEFAULTS.maxRetryAttempts, ESM_DEFAULTS.partialBackoff)).toBe(0);
  });

  it('spaces partial-failure retries when asked: 100 ms doubling to 1 s', () => {
    const backoff = { initialMs: 100, multiplier: 2, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, backoff))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(totalBackoff(10, backoff)).toBe(7_500);
  });

  it('backs off exponentially after a function error: 0.5 s doubling to 10 s, about a minute over the 10 default retries', () => {
    const step = decide({ ...firstAttempt([record(0, 1)]), invocations: 1 }, { ok: false, error: new Error('down') }, defaults);
    expect(step.delayMs).toBe(500);
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffDelay(retry, ESM_DEFAULTS.backoff))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(totalBackoff(ESM_DEFAULTS.maxRetryAttempts, ESM_DEFAULTS.backoff)).toBe(65_500);
  });
});

import { setTimeout as delay } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { type Consumer, type KafkaMessage, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createKafka, DEFAULT_ORDERS_TOPIC, type KafkaClientOptions, parseBrokers } from '../../../shared/kafka/client.js';
import type { KafkaEvent } from '../../../shared/kafka/event.js';
import { partitionName } from '../../../shared/kafka/event.js';
import { buildKafkaEvent, LOCAL_CLUSTER_ARN } from '../kafka-event.js';
import { localLambdaContext } from '../lambda-context.js';
import { type BackoffOptions, backoffDelay, bisect, judgeResponse, type SourceRecord, takeBatch } from './batch.js';
import { DEFAULT_DLQ_TOPIC, diagnoseRecord, type DlqFailure, toDlqMessage } from './dlq-record.js';

/**
 * A local stand-in for the Lambda event-source mapping for Amazon MSK: a kafkajs consumer group
 * that batches records, invokes the consumer function with the exact MSK event, and handles its
 * answer as AWS documents it (see docs/local.md for the sources and the differences):
 *  - batching: invoke when `batchSize` records wait, or when the oldest waited `batchWindowMs`;
 *  - partial batch response: per partition the lowest failed offset is the checkpoint, records
 *    before it are done, the rest is retried;
 *  - a thrown error: the batch is split in two (bisect does not use up retries) down to single
 *    records, which are retried with exponential backoff;
 *  - after `maxRetryAttempts` retries the failed records go to the DLQ topic and the partition moves on;
 *  - offsets are committed (manually, autoCommit off) only up to records that are done or in the DLQ.
 * Delivery is at least once: after a crash, uncommitted records come again (the consumer is idempotent).
 */

export type EsmFunction = (event: KafkaEvent, context: Context) => Promise<unknown>;

export interface EmulatorOptions {
  brokers: string | string[];
  /** The function to invoke, e.g. functions/ingest/handler.ts `handler`. */
  handler: EsmFunction;
  topic?: string;
  dlqTopic?: string;
  groupId?: string;
  /** TLS / IAM for the cluster (as the producer CLI takes them). */
  client?: Pick<KafkaClientOptions, 'tls' | 'iam'>;
  batchSize?: number;
  batchWindowMs?: number;
  /** Retries after the first invocation (AWS MaximumRetryAttempts); -1 = forever (no DLQ). */
  maxRetryAttempts?: number;
  bisectOnError?: boolean;
  /** Wait before a retry that follows a function error. */
  backoff?: BackoffOptions;
  /** Records older than this go to the DLQ without an invocation (AWS MaximumRecordAgeInSeconds); -1 = off. */
  maxRecordAgeMs?: number;
  /** Batches in flight at once (each from different partitions). */
  concurrency?: number;
  functionTimeoutMs?: number;
  functionName?: string;
  sessionTimeoutMs?: number;
  /** Called after every invocation (tests check the event; benchmarks count). */
  onInvoke?: (invocation: Invocation) => void;
  /** Operational log lines (positions, counts, reasons; never record contents). */
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface Invocation {
  event: KafkaEvent;
  records: number;
  durationMs: number;
  result?: unknown;
  error?: Error;
}

export interface EmulatorStats {
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  recordsCommitted: number;
  recordsToDlq: number;
}

export interface RunningEmulator {
  readonly stats: EmulatorStats;
  readonly groupId: string;
  /** Stops taking batches, lets the invocations in flight finish, commits what is done, leaves the group. */
  stop(): Promise<void>;
  /** Rejects if the emulator fails for good (e.g. the DLQ cannot be written); nothing is committed past it. */
  readonly failed: Promise<never>;
}

/** Defaults: AWS's for batching; retries sized to outlast a short database outage (docs/local.md). */
export const ESM_DEFAULTS = {
  topic: DEFAULT_ORDERS_TOPIC,
  dlqTopic: DEFAULT_DLQ_TOPIC,
  groupId: 'order-pipeline-ingest',
  batchSize: 100,
  batchWindowMs: 500,
  // AWS applies at most 10 retries when an on-failure destination is set.
  maxRetryAttempts: 10,
  bisectOnError: true,
  // 0.5 + 1 + 2 + 4 + 8 + 5 × 10 s ≈ 65 s of retries after function errors before the DLQ.
  backoff: { initialMs: 500, multiplier: 2, maxMs: 10_000 },
  maxRecordAgeMs: -1,
  concurrency: 1,
  functionTimeoutMs: 60_000,
  functionName: 'ingest-local',
  sessionTimeoutMs: 10_000,
} as const;

interface QueuedRecord extends SourceRecord {
  arrivedAt: number;
  generation: number;
}

class Stopping extends Error {}

function firstHeaderValues(headers: KafkaMessage['headers']): SourceRecord['headers'] {
  const flat: SourceRecord['headers'] = {};
  for (const [name, value] of Object.entries(headers ?? {})) flat[name] = Array.isArray(value) ? value[0] : value;
  return flat;
}

const defaultLog: NonNullable<EmulatorOptions['log']> = (level, message, fields) => {
  if (level === 'info') return;
  process.stderr.write(`${JSON.stringify({ level: level.toUpperCase(), source: 'esm', message, ...fields, timestamp: new Date().toISOString() })}\n`);
};

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  // Options left undefined take the AWS-like defaults.
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const { topic, dlqTopic, groupId, batchSize, batchWindowMs, maxRetryAttempts, bisectOnError, backoff, maxRecordAgeMs, concurrency, functionTimeoutMs, functionName, sessionTimeoutMs } = {
    ...ESM_DEFAULTS,
    ...(defined as Partial<EmulatorOptions>),
  };
  const log = options.log ?? defaultLog;
  const brokers = parseBrokers(options.brokers);
  const kafka = createKafka({ brokers, clientId: 'esm-emulator', ...options.client, logLevel: logLevel.ERROR });
  const stats: EmulatorStats = { invocations: 0, functionErrors: 0, partialFailures: 0, recordsCommitted: 0, recordsToDlq: 0 };

  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    for (const required of [topic, dlqTopic]) {
      if (!existing.includes(required)) {
        throw new Error(`topic "${required}" does not exist (automatic creation is off): create it, e.g. with \`npm run kafka\``);
      }
    }
  } finally {
    await admin.disconnect();
  }

  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });

  const waiting: QueuedRecord[] = [];
  const maxWaiting = Math.max(batchSize * concurrency * 4, 2_000);
  const busy = new Set<string>();
  const active = new Set<Promise<void>>();
  let generation = 0;
  let stopping = false;
  const stopController = new AbortController();
  let wake: (() => void) | undefined;
  const signal = () => {
    const resolveWake = wake;
    wake = undefined;
    resolveWake?.();
  };
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});

  const sleep = (ms: number) =>
    new Promise<void>((resolveSleep, rejectSleep) => {
      if (stopController.signal.aborted) return rejectSleep(new Stopping());
      const timer = setTimeout(() => {
        stopController.signal.removeEventListener('abort', onAbort);
        resolveSleep();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        rejectSleep(new Stopping());
      };
      stopController.signal.addEventListener('abort', onAbort, { once: true });
    });

  const invoke = async (records: SourceRecord[]): Promise<{ result?: unknown; error?: Error }> => {
    const event = buildKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: brokers.join(',') });
    const started = performance.now();
    stats.invocations += 1;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${functionTimeoutMs / 1000} seconds`)), functionTimeoutMs);
    });
    let outcome: { result?: unknown; error?: Error };
    try {
      outcome = { result: await Promise.race([options.handler(event, localLambdaContext({ functionName, timeoutMs: functionTimeoutMs })), timeout]) };
    } catch (error) {
      outcome = { error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      clearTimeout(timer);
    }
    options.onInvoke?.({ event, records: records.length, durationMs: performance.now() - started, ...outcome });
    return outcome;
  };

  const sendToDlq = async (records: SourceRecord[], failure: (record: SourceRecord) => Promise<DlqFailure>) => {
    if (records.length === 0) return;
    const messages = await Promise.all(records.map(async (record) => toDlqMessage(record, await failure(record))));
    await producer.send({ topic: dlqTopic, acks: -1, messages });
    stats.recordsToDlq += records.length;
    log('warn', 'records sent to the DLQ', {
      dlqTopic,
      records: records.map((record) => `${partitionName(record)}@${record.offset}`).join(','),
    });
  };

  /** Runs records through the function until each is done or in the DLQ; throws Stopping when asked to stop. */
  const processRecords = async (records: SourceRecord[], retriesUsed: number, settled: Set<SourceRecord>, attempts: Map<SourceRecord, number>) => {
    let pending = records;
    let retries = retriesUsed;
    const settle = (done: SourceRecord[]) => {
      for (const record of done) settled.add(record);
    };
    while (pending.length > 0) {
      if (stopping) throw new Stopping();
      if (maxRecordAgeMs >= 0) {
        const oldest = Date.now() - maxRecordAgeMs;
        const expired = pending.filter((record) => record.timestamp < oldest);
        if (expired.length > 0) {
          await sendToDlq(expired, async (record) => ({ condition: 'RecordAgeExceeded', reason: `older than ${maxRecordAgeMs} ms`, attempts: attempts.get(record) ?? 0 }));
          settle(expired);
          pending = pending.filter((record) => record.timestamp >= oldest);
          continue;
        }
      }
      for (const record of pending) attempts.set(record, (attempts.get(record) ?? 0) + 1);
      const { result, error } = await invoke(pending);
      const verdict = error ? undefined : judgeResponse(pending, result);
      if (!verdict || verdict.kind === 'invalid-response') {
        stats.functionErrors += 1;
        const reason = error ? `function error: ${error.message}` : `invalid function response: ${verdict?.kind === 'invalid-response' ? verdict.reason : ''}`;
        if (bisectOnError && pending.length > 1) {
          log('info', 'invocation failed; bisecting the batch', { records: pending.length, reason });
          const [first, second] = bisect(pending);
          await processRecords(first, retries, settled, attempts);
          await processRecords(second, retries, settled, attempts);
          return;
        }
        if (maxRetryAttempts >= 0 && retries >= maxRetryAttempts) {
          await sendToDlq(pending, async (record) => ({ condition: 'RetryAttemptsExhausted', reason, attempts: attempts.get(record) ?? 0 }));
          settle(pending);
          return;
        }
        retries += 1;
        log('warn', 'invocation failed; retrying', { records: pending.length, retry: retries, reason });
        await sleep(backoffDelay(retries, backoff));
        continue;
      }
      if (verdict.kind === 'success') {
        settle(pending);
        return;
      }
      stats.partialFailures += 1;
      settle(verdict.done);
      if (maxRetryAttempts >= 0 && retries >= maxRetryAttempts) {
        await sendToDlq(verdict.failed, async (record) => ({
          condition: 'RetryAttemptsExhausted',
          reason: diagnoseRecord(record) ?? 'reported as a batch item failure by the function',
          attempts: attempts.get(record) ?? 0,
        }));
        settle(verdict.retry);
        return;
      }
      retries += 1;
      pending = verdict.retry;
    }
  };

  const commit = async (batch: SourceRecord[], settled: Set<SourceRecord>) => {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    const stuck = new Set<string>();
    for (const record of [...batch].sort((a, b) => a.offset - b.offset)) {
      const name = partitionName(record);
      if (stuck.has(name)) continue;
      if (!settled.has(record)) {
        stuck.add(name);
        continue;
      }
      next.set(name, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
      stats.recordsCommitted += 1;
    }
    if (next.size === 0) return;
    try {
      await consumer.commitOffsets([...next.values()].map((position) => ({ ...position, offset: String(position.offset) })));
    } catch (error) {
      // A rebalance took the partition: whoever owns it now starts from the last commit (redelivery is harmless).
      log('warn', 'offset commit failed; the records will be delivered again', { error: (error as Error).message });
    }
  };

  const runBatch = async (batch: QueuedRecord[]) => {
    const partitions = new Set(batch.map((record) => partitionName(record)));
    for (const name of partitions) busy.add(name);
    const settled = new Set<SourceRecord>();
    try {
      await processRecords(batch, 0, settled, new Map());
    } catch (error) {
      if (!(error instanceof Stopping)) {
        log('error', 'emulator failed; nothing past the last commit is acknowledged', { error: (error as Error).message });
        stopping = true;
        fail(error as Error);
      }
    } finally {
      await commit(batch, settled);
      for (const name of partitions) busy.delete(name);
    }
  };

  const pump = async () => {
    while (!stopping) {
      let timeoutMs = 1_000;
      if (active.size < concurrency) {
        const available = waiting.filter((record) => !busy.has(partitionName(record)));
        const oldest = available[0];
        if (oldest && (available.length >= batchSize || Date.now() - oldest.arrivedAt >= batchWindowMs)) {
          const batch = takeBatch(waiting, batchSize, busy);
          const running = runBatch(batch).finally(() => {
            active.delete(running);
            signal();
          });
          active.add(running);
          continue;
        }
        if (oldest) timeoutMs = Math.max(1, oldest.arrivedAt + batchWindowMs - Date.now());
      }
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => signal(), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
    }
  };

  let joined: () => void = () => {};
  const firstJoin = new Promise<void>((resolveJoin) => {
    joined = resolveJoin;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // A new generation re-reads committed offsets: records buffered under the old one come again.
    generation += 1;
    const current = waiting.filter((record) => record.generation === generation);
    waiting.length = 0;
    waiting.push(...current);
    joined();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      stopping = true;
      fail(payload.error);
      signal();
    }
  });

  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      // Back-pressure: fetch no further ahead than a few batches.
      while (waiting.length >= maxWaiting && !stopping && isRunning() && !isStale()) {
        await delay(50);
        await heartbeat();
      }
      if (stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
      const now = Date.now();
      for (const message of batch.messages) {
        waiting.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(message.offset),
          timestamp: Number(message.timestamp),
          key: message.key ?? null,
          value: message.value,
          headers: firstHeaderValues(message.headers),
          arrivedAt: now,
          generation,
        });
      }
      // Resolving moves the fetch position only; commits happen after processing (see commit()).
      resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      signal();
    },
  });
  const pumping = pump();

  let joinTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      firstJoin,
      failed,
      new Promise((_, reject) => {
        joinTimer = setTimeout(() => reject(new Error(`could not join consumer group "${groupId}" within 60 s`)), 60_000);
      }),
    ]);
  } catch (error) {
    stopping = true;
    signal();
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(joinTimer);
  }

  let stopped: Promise<void> | undefined;
  return {
    stats,
    groupId,
    failed,
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        stopController.abort();
        signal();
        consumer.pause([{ topic }]);
        await pumping;
        await Promise.allSettled([...active]);
        await consumer.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
      })();
      return stopped;
    },
  };
}

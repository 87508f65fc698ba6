/**
 * A local stand-in for the Lambda event-source mapping for Amazon MSK, in parts with one job each:
 *  - poller.ts      fetches records from the consumer group into the batcher (never commits);
 *  - batcher.ts     forms batches: `batchSize` records, or the oldest waited `batchWindowMs`;
 *  - dispatcher.ts  runs up to `concurrency` batches at once, one per partition at a time;
 *  - invoker.ts     builds the MSK event, calls the function, enforces `functionTimeoutMs`;
 *  - policy.ts      the retry rules as pure functions (partial batch response, bisect, retries,
 *                   record age, backoff), each with its AWS source;
 *  - processor.ts   runs one batch through invoker and policy until every record is settled;
 *  - clock.ts       record age and the waits between retries (the system clock unless a test injects one);
 *  - dlq-writer.ts  the on-failure destination (a Kafka topic with the failed records);
 *  - committer.ts   commits each partition up to its last settled record.
 * This file wires them and owns the lifecycle (start, stop, failure). See docs/local.md for the
 * AWS sources and the differences. Delivery is at least once: after a crash, uncommitted records
 * come again (the consumer is idempotent).
 */
import { EventEmitter, once } from 'node:events';
import { type Consumer, type Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createKafka, parseBrokers } from '../../../shared/kafka/client.js';
import { LOCAL_CLUSTER_ARN } from '../kafka-event.js';
import { registerKafkaCodecs } from '../../services/kafka/codecs.js';
import type { SourceRecord } from './batch.js';
import { Batcher } from './batcher.js';
import { type Commit, createCommitter } from './committer.js';
import { dispatch } from './dispatcher.js';
import { createDlqWriter } from './dlq-writer.js';
import { createInvoker } from './invoker.js';
import { type EmulatorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type ProcessorDeps, processBatch } from './processor.js';
import { startPoller } from './poller.js';

export type { Clock } from './clock.js';
export { ESM_DEFAULTS, type EmulatorOptions, type Log } from './options.js';
export type { EsmFunction, Invocation } from './invoker.js';

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

const JOIN_TIMEOUT_MS = 60_000;

async function requireTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const missing = topics.find((topic) => !existing.includes(topic));
    if (missing) throw new Error(`topic "${missing}" does not exist (automatic creation is off): create it, e.g. with \`npm run kafka\``);
  } finally {
    await admin.disconnect();
  }
}

function clients(kafka: Kafka, options: ResolvedOptions): { consumer: Consumer; producer: Producer } {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return { consumer, producer };
}

/** The function and cluster the DLQ records name (the local stand-ins of the ARNs). */
function dlqSource(options: ResolvedOptions) {
  return {
    functionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${options.functionName}`,
    eventSourceArn: LOCAL_CLUSTER_ARN,
    bootstrapServers: options.brokers.join(','),
  };
}

/** One batch from processing to commit; a fatal error stops the emulator. */
function batchRunner(deps: ProcessorDeps, commit: Commit, stats: EmulatorStats, fail: (error: Error) => void) {
  return async (batch: SourceRecord[]) => {
    const { settled, error } = await processBatch(batch, deps);
    if (error) {
      deps.log('error', 'emulator failed; nothing past the last commit is acknowledged', { error: error.message });
      fail(error);
    }
    stats.recordsCommitted += await commit(batch, settled);
  };
}

/**
 * Start, stop and failure: stopping and failing both abort `signal` (no new batch, no further
 * wait or retry); `failed` rejects with the first fatal error; `joined` resolves on the first
 * group join or rejects after JOIN_TIMEOUT_MS.
 */
function lifecycle() {
  const running = new AbortController();
  const events = new EventEmitter<{ fatal: [Error]; joined: [] }>();
  const failed = once(events, 'fatal').then(([error]): never => {
    throw error;
  });
  failed.catch(() => undefined);
  const joined = once(events, 'joined', { signal: AbortSignal.timeout(JOIN_TIMEOUT_MS) });
  joined.catch(() => undefined);
  return {
    signal: running.signal,
    failed,
    joined,
    onJoin: () => events.emit('joined'),
    fail: (error: Error) => {
      events.emit('fatal', error);
      running.abort();
    },
    stop: () => running.abort(),
  };
}

async function waitForJoin(joined: Promise<unknown>, failed: Promise<never>, groupId: string): Promise<void> {
  try {
    await Promise.race([joined, failed]);
  } catch (error) {
    if ((error as Error).name === 'AbortError')
      throw new Error(`could not join consumer group "${groupId}" within ${JOIN_TIMEOUT_MS / 1000} s`);
    throw error;
  }
}

export async function startEmulator(input: EmulatorOptions): Promise<RunningEmulator> {
  // Batches come in any codec the producers chose, as AWS's mapping reads them.
  registerKafkaCodecs();
  const options = resolveOptions(input, parseBrokers(input.brokers));
  const { log, groupId } = options;
  const kafka = createKafka({ brokers: options.brokers, clientId: 'esm-emulator', ...options.client, logLevel: logLevel.ERROR });
  await requireTopics(kafka, [options.topic, options.dlqTopic]);
  const { consumer, producer } = clients(kafka, options);
  const stats: EmulatorStats = { invocations: 0, functionErrors: 0, partialFailures: 0, recordsCommitted: 0, recordsToDlq: 0 };

  const life = lifecycle();
  const batcher = new Batcher({
    batchSize: options.batchSize,
    batchWindowMs: options.batchWindowMs,
    maxWaiting: Math.max(options.batchSize * options.concurrency * 4, 2_000),
  });
  const invoke = createInvoker({ ...options, bootstrapServers: options.brokers.join(','), onInvoke: options.onInvoke });
  const settings = { ...options, errorBackoff: options.backoff };
  const deps: ProcessorDeps = {
    invoke,
    writeDlq: createDlqWriter(producer, options.dlqTopic, dlqSource(options), log),
    settings,
    stats,
    log,
    signal: life.signal,
    clock: options.clock,
  };
  const run = batchRunner(deps, createCommitter(consumer, log), stats, life.fail);

  const disconnect = async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  };
  let dispatching: Promise<void> = Promise.resolve();
  try {
    await producer.connect();
    await startPoller({ consumer, topic: options.topic, batcher, signal: life.signal, onJoin: life.onJoin, onCrash: life.fail });
    dispatching = dispatch({ batcher, concurrency: options.concurrency, signal: life.signal, run });
    await waitForJoin(life.joined, life.failed, groupId);
  } catch (error) {
    life.stop();
    await dispatching;
    await disconnect();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    life.stop();
    consumer.pause([{ topic: options.topic }]);
    await dispatching;
    await disconnect();
  };
  return { stats, groupId, failed: life.failed, stop: () => (stopped ??= stop()) };
}

/**
 * The poller: a kafkajs consumer in the mapping's consumer group that fetches records into the
 * batcher. It never commits: autoCommit is off and resolving a fetched batch only moves the fetch
 * position; the committer commits after the function (at least once, like AWS).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { SourceRecord } from './batch.js';
import type { Batcher } from './batcher.js';

export interface PollerSettings {
  consumer: Consumer;
  topic: string;
  batcher: Batcher;
  /** Aborted when the emulator stops or fails: fetching stops. */
  signal: AbortSignal;
  onJoin: () => void;
  onCrash: (error: Error) => void;
}

function firstHeaderValues(headers: KafkaMessage['headers']): SourceRecord['headers'] {
  const flat: SourceRecord['headers'] = {};
  for (const [name, value] of Object.entries(headers ?? {})) flat[name] = Array.isArray(value) ? value[0] : value;
  return flat;
}

function toSourceRecord(topic: string, partition: number, message: KafkaMessage): SourceRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value,
    headers: firstHeaderValues(message.headers),
  };
}

async function fetchInto(batcher: Batcher, signal: AbortSignal, payload: EachBatchPayload): Promise<void> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
  const live = () => !signal.aborted && isRunning() && !isStale();
  // Back-pressure: fetch no further ahead than a few batches.
  while (batcher.full && live()) {
    await delay(50, undefined, { signal }).catch(() => undefined);
    await heartbeat();
  }
  if (!live() || batch.messages.length === 0) return;
  batcher.add(
    batch.messages.map((message) => toSourceRecord(batch.topic, batch.partition, message)),
    Date.now(),
  );
  resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
}

export async function startPoller({ consumer, topic, batcher, signal, onJoin, onCrash }: PollerSettings): Promise<void> {
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // A new generation re-reads committed offsets: records fetched under the old one come again.
    batcher.clear();
    onJoin();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) onCrash(payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: (payload) => fetchInto(batcher, signal, payload),
  });
}

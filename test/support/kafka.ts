import { setTimeout as delay } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { readTopicToEnd } from '../../local/tools/dlq.js';
import type { DlqEntry } from '../../local/emulators/esm/dlq-record.js';
import { createTopic, type LocalKafka, startLocalKafka } from '../../local/services/kafka/broker.js';
import { createKafka } from '../../shared/kafka/client.js';

/**
 * A real Kafka broker for one e2e file: KAFKA_BROKERS when set (then it cannot be stopped here),
 * else a local broker (local/services/kafka/broker.ts) in a temp dir on a free port.
 */
export interface TestKafka {
  brokers: string;
  /** Stops and deletes a local broker; a no-op for KAFKA_BROKERS. */
  destroy(): Promise<void>;
  local: LocalKafka | undefined;
}

export async function startTestKafka(): Promise<TestKafka> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return { brokers: external, destroy: async () => {}, local: undefined };
  const dir = await mkdtemp(join(tmpdir(), 'orders-test-kafka-'));
  const local = await startLocalKafka({ dataDir: dir }).catch((error: unknown) => {
    throw new Error(`e2e tests need a Kafka broker: set KAFKA_BROKERS, or have Java 17+ and Maven for the local one.\n${String(error)}`);
  });
  return {
    brokers: local.brokers,
    local,
    destroy: async () => {
      await local.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh orders topic and its DLQ, private to one test. */
export async function createTestTopics(brokers: string, partitions = 6): Promise<{ topic: string; dlqTopic: string; groupId: string }> {
  const topic = `orders-${randomBytes(4).toString('hex')}`;
  const dlqTopic = `${topic}.dlq`;
  await createTopic(brokers, topic, partitions);
  await createTopic(brokers, dlqTopic, 1);
  return { topic, dlqTopic, groupId: `${topic}-esm` };
}

const quietKafka = (brokers: string) => createKafka({ brokers, clientId: 'e2e-test', logLevel: logLevel.NOTHING });

/** Committed offset of `groupId` on every partition of `topic` minus the end of the log (0 = caught up). */
export async function consumerLag(brokers: string, groupId: string, topic: string): Promise<number> {
  const admin = quietKafka(brokers).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, Number(entry.offset)]));
    return ends.reduce((lag, end) => lag + Number(end.high) - Math.max(0, byPartition.get(end.partition) ?? 0), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the group has committed everything in the topic. */
export async function waitForCaughtUp(brokers: string, groupId: string, topic: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lag = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    lag = await consumerLag(brokers, groupId, topic);
    if (lag === 0) return;
    await delay(250);
  }
  throw new Error(`group "${groupId}" still ${lag} records behind on "${topic}" after ${timeoutMs / 1000} s`);
}

export async function readDlq(brokers: string, dlqTopic: string): Promise<DlqEntry[]> {
  const read = await readTopicToEnd(quietKafka(brokers), dlqTopic);
  await read.close();
  return read.entries;
}

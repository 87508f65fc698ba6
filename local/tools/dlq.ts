/**
 * `npm run dlq`: lists the records the event-source mapping gave up on (reason, source position,
 * order_uid when readable; never names, addresses or other contents), explains each with the
 * consumer's own classification (shared/order/classify.ts), and with `--redrive` sends them
 * back to their source topic after a fix. Re-driving is tracked by the consumer group
 * `<dlq topic>.redrive`, so each DLQ record is re-driven once.
 *
 * It reads the records as Lambda's Kafka on-failure destination writes them (dlq-record.ts), which
 * is also what the local emulator writes; the same flags reach MSK (--iam --region, from inside
 * the VPC). Batches in any codec are read (local/services/kafka/codecs.ts).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Kafka, logLevel, Partitioners } from 'kafkajs';
import { createKafka } from '../../shared/kafka/client.js';
import { registerKafkaCodecs } from '../services/kafka/codecs.js';
import { asOrderUid } from '../../shared/order/order-uid.js';
import { DEFAULT_DLQ_TOPIC } from '../../shared/kafka/topics.js';
import { diagnoseRecord, type DlqEntry, dlqEntries } from '../emulators/esm/dlq-record.js';
import { connectionArgs, exitWith, kafkaConnection } from './connection-args.js';

export const redriveGroup = (dlqTopic: string) => `${dlqTopic}.redrive`;

/** The offset after the last record of each partition of `topic` (what a reader started now would see first). */
export async function topicEndOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, Number(entry.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic up to its current end. With `groupId`, starts at that group's committed offsets
 * and returns `commit()` to acknowledge what was read; with `from` (offsets of topicEndOffsets),
 * only the records appended since; without either, reads everything.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  { groupId, from }: { groupId?: string; from?: ReadonlyMap<number, number> } = {},
): Promise<{ entries: DlqEntry[]; commit: () => Promise<void>; close: () => Promise<void> }> {
  registerKafkaCodecs();
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, number>();
  const starts = new Map<number, number>();
  try {
    for (const entry of await admin.fetchTopicOffsets(topic)) {
      ends.set(entry.partition, Number(entry.high));
      starts.set(entry.partition, Number(entry.low));
    }
    if (groupId) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const entry of committed?.partitions ?? []) {
        if (Number(entry.offset) >= 0) starts.set(entry.partition, Number(entry.offset));
      }
    }
    for (const [partition, offset] of from ?? []) starts.set(partition, Math.max(starts.get(partition) ?? 0, offset));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].filter(([partition, end]) => (starts.get(partition) ?? 0) < end).map(([partition]) => partition));
  const nothing = { entries: [], commit: async () => {}, close: async () => {} };
  if (pending.size === 0) return nothing;

  const consumer = kafka.consumer({
    groupId: groupId ?? `dlq-reader-${randomUUID()}`,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  const entries: DlqEntry[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolveRead, rejectRead) => {
    const timer = setTimeout(() => rejectRead(new Error(`could not read "${topic}" to its end within 60 s`)), 60_000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0;
          if (Number(message.offset) >= end || !pending.has(partition)) return;
          if (Number(message.offset) < (starts.get(partition) ?? 0)) return;
          entries.push(...dlqEntries(partition, message));
          if (Number(message.offset) + 1 >= end) pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            consumer.pause([{ topic }]);
            resolveRead();
          }
        },
      })
      .catch(rejectRead);
  });
  entries.sort((a, b) => a.dlqPartition - b.dlqPartition || a.dlqOffset - b.dlqOffset);
  return {
    entries,
    commit: () => consumer.commitOffsets([...ends].map(([partition, end]) => ({ topic, partition, offset: String(end) }))),
    close: () => consumer.disconnect(),
  };
}

/** The order_uid of a DLQ record when one can be read: its key, or the value's `order_uid`. */
export function readableOrderUid(entry: Pick<DlqEntry, 'key' | 'value'>): string | undefined {
  const key = asOrderUid(entry.key?.toString('utf8'));
  if (key) return key;
  try {
    return asOrderUid((JSON.parse(entry.value?.toString('utf8') ?? '') as { order_uid?: unknown }).order_uid);
  } catch {
    return undefined;
  }
}

/** Why the consumer would reject the record today, or that it is a valid order (failed for another reason). */
export function explain(entry: Pick<DlqEntry, 'key' | 'value'>): string {
  return (
    diagnoseRecord({ key: entry.key, value: entry.value }) ??
    'a valid order now: it failed for another reason (database, conflict); a re-drive stores it if its order_uid is free'
  );
}

/** Sends DLQ entries back to their source topic (original key, value and headers). */
export async function redrive(kafka: Kafka, entries: readonly DlqEntry[], fallbackTopic: string): Promise<number> {
  if (entries.length === 0) return 0;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const byTopic = new Map<string, DlqEntry[]>();
    for (const entry of entries) {
      const topic = entry.source.topic ?? fallbackTopic;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), entry]);
    }
    for (const [topic, group] of byTopic) {
      await producer.send({
        topic,
        acks: -1,
        messages: group.map((entry) => ({ key: entry.key, value: entry.value, headers: entry.originalHeaders })),
      });
    }
    return entries.length;
  } finally {
    await producer.disconnect();
  }
}

const usage = `usage: npm run dlq -- [--dlq-topic ${DEFAULT_DLQ_TOPIC}] [--pending] [--redrive] [--brokers host:port,...] [--topic orders] [--tls] [--iam --region eu-west-1]
  (no flag)   list every DLQ record
  --pending   list only the records not re-driven yet
  --redrive   send the records not re-driven yet back to their source topic`;

async function main() {
  const { values } = parseArgs({
    options: {
      ...connectionArgs,
      'dlq-topic': { type: 'string' },
      pending: { type: 'boolean', default: false },
      redrive: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const connection = kafkaConnection(values);
  const dlqTopic = values['dlq-topic'] ?? `${connection.topic}.dlq`;
  const kafka = createKafka({ brokers: connection.brokers, clientId: 'dlq-cli', ...connection.client, logLevel: logLevel.ERROR });
  const onlyPending = values.pending || values.redrive;
  const read = await readTopicToEnd(kafka, dlqTopic, onlyPending ? { groupId: redriveGroup(dlqTopic) } : {});
  try {
    for (const entry of read.entries) {
      const source = `${entry.source.topic ?? '?'}-${entry.source.partition ?? '?'}@${entry.source.offset ?? '?'}`;
      process.stdout.write(
        `${dlqTopic}-${entry.dlqPartition}@${entry.dlqOffset}  from ${source}  order_uid=${readableOrderUid(entry) ?? '(unreadable)'}  ` +
          `attempts=${entry.attempts ?? '?'}  ${entry.condition ?? ''}\n    reason: ${entry.reason ?? '(none)'}\n    explain: ${explain(entry)}\n`,
      );
    }
    process.stdout.write(`${read.entries.length} ${onlyPending ? 'pending ' : ''}record(s) in ${dlqTopic}\n`);
    if (values.redrive && read.entries.length > 0) {
      const sent = await redrive(kafka, read.entries, connection.topic);
      await read.commit();
      process.stdout.write(`re-drove ${sent} record(s) to their source topic\n`);
    }
  } finally {
    await read.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main().catch(exitWith);

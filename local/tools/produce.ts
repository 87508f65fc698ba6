/**
 * `npm run produce -- --count N`: realistic orders (faker; the money rules hold), a chosen share
 * of broken ones and of exact duplicates, keyed by order_uid (or, with --unkeyed, without a key
 * as some producers send) and compressed with any Kafka codec (--compression), into the orders topic. Works against
 * the local broker and, with --tls / --iam, against Amazon MSK from inside its VPC.
 * The planning and sending functions are exported for the e2e tests and the benchmark.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type Message, Partitioners } from 'kafkajs';
import { createKafka } from '../../shared/kafka/client.js';
import { COMPRESSIONS, type CompressionName, registerKafkaCodecs } from '../services/kafka/codecs.js';
import type { Order } from '../../shared/order/schema.js';
import { createFaker, fakeOrder } from './fake-orders.js';
import { connectionArgs, exitWith, type KafkaConnection, kafkaConnection } from './connection-args.js';

export type RecordKind = 'valid' | 'duplicate' | 'not_json' | 'missing_fields' | 'money_mismatch';
export const BROKEN_KINDS = ['not_json', 'missing_fields', 'money_mismatch'] as const;

export interface PlannedRecord {
  kind: RecordKind;
  key: string;
  value: string;
  /** The order as produced, for valid records and duplicates. */
  order?: Order;
}

export interface PlanOptions {
  count: number;
  invalidShare?: number;
  duplicatesShare?: number;
  seed?: number;
}

function breakOrder(kind: (typeof BROKEN_KINDS)[number], order: Order): string {
  switch (kind) {
    case 'not_json':
      // Cut short in the middle: a typical torn write.
      return JSON.stringify(order).slice(0, 60);
    case 'missing_fields': {
      const { payment: _payment, items: _items, ...rest } = order;
      return JSON.stringify(rest);
    }
    case 'money_mismatch':
      return JSON.stringify({ ...order, payment: { ...order.payment, amount: order.payment.amount + 1 } });
  }
}

/** A deterministic mix: `count` records, of which the given shares are broken and duplicates. */
export function planRecords({ count, invalidShare = 0, duplicatesShare = 0, seed = Date.now() }: PlanOptions): PlannedRecord[] {
  const faker = createFaker(seed);
  const broken = Math.round(count * invalidShare);
  const duplicates = Math.min(Math.round(count * duplicatesShare), count - broken - (count - broken > 0 ? 1 : 0));
  const kinds: Array<'valid' | 'broken' | 'duplicate'> = [
    ...Array<'broken'>(broken).fill('broken'),
    ...Array<'duplicate'>(duplicates).fill('duplicate'),
    ...Array<'valid'>(count - broken - duplicates).fill('valid'),
  ];
  faker.helpers.shuffle(kinds, { inplace: true });
  const sent: Order[] = [];
  const records: PlannedRecord[] = [];
  let brokenIndex = 0;
  for (const kind of kinds) {
    if (kind === 'duplicate' && sent.length > 0) {
      const order = faker.helpers.arrayElement(sent);
      records.push({ kind: 'duplicate', key: order.order_uid, value: JSON.stringify(order), order });
    } else if (kind === 'broken') {
      const brokenKind = BROKEN_KINDS[brokenIndex++ % BROKEN_KINDS.length]!;
      const order = fakeOrder(faker);
      records.push({ kind: brokenKind, key: order.order_uid, value: breakOrder(brokenKind, order) });
    } else {
      const order = fakeOrder(faker);
      sent.push(order);
      records.push({ kind: 'valid', key: order.order_uid, value: JSON.stringify(order), order });
    }
  }
  return records;
}

/** Records from a JSON file: one order (object) or several (array), sent as they are, valid or not. */
export async function recordsFromFile(path: string): Promise<PlannedRecord[]> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  const orders = Array.isArray(parsed) ? parsed : [parsed];
  return orders.map((order: unknown) => {
    const uid = (order as { order_uid?: unknown } | null)?.order_uid;
    return { kind: 'valid' as const, key: typeof uid === 'string' ? uid : '', value: JSON.stringify(order) };
  });
}

export interface SendOptions extends Pick<KafkaConnection, 'brokers' | 'topic' | 'client'> {
  /** Records per second; absent: as fast as the broker takes them. */
  rate?: number;
  /** The batches' codec (default none), as a producer's `compression.type`. */
  compression?: CompressionName;
  /** False: no key, as producers that do not key by order_uid send (kafkajs then spreads records over the partitions). */
  keyed?: boolean;
  onProgress?: (sent: number) => void;
}

export interface SendSummary {
  sent: number;
  seconds: number;
  perSecond: number;
  /** Records added to each partition while sending (by offsets: other producers count too). */
  perPartition: Record<number, number>;
}

const CHUNK = 500;

async function partitionEnds(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, topic: string) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
}

export async function sendRecords(records: readonly PlannedRecord[], options: SendOptions): Promise<SendSummary> {
  registerKafkaCodecs();
  const kafka = createKafka({ brokers: options.brokers, clientId: 'order-producer', ...options.client });
  const compression = COMPRESSIONS[options.compression ?? 'none'];
  const keyed = options.keyed ?? true;
  const admin = kafka.admin();
  // Java's murmur2 partitioner (kafkajs' default): the same partition per order_uid as any Kafka client.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const before = await partitionEnds(admin, options.topic);
    const started = performance.now();
    const chunk = options.rate ? Math.max(1, Math.min(CHUNK, Math.floor(options.rate / 10))) : CHUNK;
    let sent = 0;
    while (sent < records.length) {
      const messages: Message[] = records
        .slice(sent, sent + chunk)
        .map((record) => ({ key: (keyed && record.key) || null, value: record.value }));
      await producer.send({ topic: options.topic, acks: -1, compression, messages });
      sent += messages.length;
      options.onProgress?.(sent);
      if (options.rate) {
        const due = started + (sent / options.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await partitionEnds(admin, options.topic);
    const perPartition: Record<number, number> = {};
    for (const [partition, high] of after) perPartition[partition] = high - (before.get(partition) ?? 0);
    return { sent, seconds, perSecond: sent / Math.max(seconds, 1e-6), perPartition };
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}

const usage = `usage: npm run produce -- --count N [--rate R] [--invalid-share 0.05] [--duplicates-share 0.01] [--seed S]
                          [--compression none|gzip|snappy|lz4|zstd] [--unkeyed]
                          [--file order.json] [--brokers host:port,...] [--topic orders] [--tls] [--iam --region eu-west-1]`;

function compressionOf(text: string | undefined): CompressionName {
  const name = text ?? 'none';
  if (!(name in COMPRESSIONS))
    throw new Error(`--compression must be one of ${Object.keys(COMPRESSIONS).join(', ')}, not "${name}"\n${usage}`);
  return name as CompressionName;
}

function share(name: string, text: string | undefined): number {
  const value = Number(text ?? 0);
  if (!(value >= 0 && value <= 1)) throw new Error(`--${name} must be between 0 and 1, not "${text}"\n${usage}`);
  return value;
}

async function main() {
  const { values } = parseArgs({
    options: {
      ...connectionArgs,
      count: { type: 'string' },
      rate: { type: 'string' },
      'invalid-share': { type: 'string' },
      'duplicates-share': { type: 'string' },
      seed: { type: 'string' },
      file: { type: 'string' },
      compression: { type: 'string' },
      unkeyed: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const connection = kafkaConnection(values);
  const count = Number(values.count ?? (values.file ? 0 : Number.NaN));
  if (!values.file && !(Number.isInteger(count) && count > 0)) throw new Error(`--count must be a positive integer\n${usage}`);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) throw new Error(`--rate must be a positive number of records per second\n${usage}`);
  const records = values.file
    ? await recordsFromFile(values.file)
    : planRecords({
        count,
        invalidShare: share('invalid-share', values['invalid-share']),
        duplicatesShare: share('duplicates-share', values['duplicates-share']),
        seed: values.seed === undefined ? Date.now() : Number(values.seed),
      });

  const bar = new cliProgress.SingleBar(
    {
      format: 'producing [{bar}] {percentage}% | {value}/{total} records | {eta_formatted} left',
      stream: process.stderr,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  if (!values.quiet) bar.start(records.length, 0);
  const compression = compressionOf(values.compression);
  const summary = await sendRecords(records, {
    ...connection,
    ...(rate ? { rate } : {}),
    compression,
    keyed: !values.unkeyed,
    onProgress: (sent) => bar.update(sent),
  }).finally(() => bar.stop());

  const kinds = new Map<string, number>();
  for (const record of records) kinds.set(record.kind, (kinds.get(record.kind) ?? 0) + 1);
  const partitions = Object.entries(summary.perPartition)
    .map(([partition, added]) => `${partition}: ${added}`)
    .join(', ');
  process.stdout.write(
    [
      `sent ${summary.sent} records to "${connection.topic}" in ${summary.seconds.toFixed(2)} s (${Math.round(summary.perSecond)} records/s)`,
      `  kinds:         ${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
      `  per partition: ${partitions}`,
      '',
    ].join('\n'),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main().catch(exitWith);

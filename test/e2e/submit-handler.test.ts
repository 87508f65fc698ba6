/**
 * The submit function against a real Kafka broker (local/services/kafka/broker.ts): what it answers and
 * exactly what lands on the topic, including while the broker is down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Admin, type Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTopic, type LocalKafka, startLocalKafka } from '../../local/services/kafka/broker.js';
import { createKafka } from '../../shared/kafka/client.js';
import { MAX_ORDER_BYTES } from '../../functions/submit/submit-order.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { clone, readFixture } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda.js';

const TOPIC = `orders-submit-${process.pid}`;
const PARTITIONS = 3;

let broker: LocalKafka;
let dataDir: string;
let kafka: Kafka;
let admin: Admin;
let handler: typeof import('../../functions/submit/handler.js')['handler'];

type Order = Record<string, unknown> & { order_uid: string };
let uidCounter = 0;
function newOrder(): Order {
  const order = clone(readFixture<Order>('orders/seed-wildberries-b563feb7b2b84b6test.json'));
  order.order_uid = `submit-e2e-${process.pid}-${uidCounter++}`;
  return order;
}

const event = (body: string | undefined, contentType = 'application/json') =>
  apiGatewayEvent({ method: 'POST', path: '/orders', body, headers: { 'content-type': contentType } });

async function post(request: APIGatewayProxyEventV2) {
  const response = await handler(request as never, lambdaContext());
  return { ...response, json: JSON.parse(response.body ?? 'null') as Record<string, unknown> };
}

/** Records on the topic: the sum of the partitions' high-water marks (no transactions, so no markers). */
async function recordCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(TOPIC);
  return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
}

/** Reads the whole topic back with a fresh consumer group until `expected` records are in. */
async function readTopic(expected: number): Promise<Array<{ key: string; value: string; partition: number }>> {
  const consumer = kafka.consumer({ groupId: `submit-e2e-reader-${Date.now()}` });
  const records: Array<{ key: string; value: string; partition: number }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({ partition, key: message.key?.toString('utf8') ?? '', value: message.value?.toString('utf8') ?? '' });
          if (records.length >= expected) resolve();
        },
      });
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`read ${records.length} of ${expected} records in 60 s`)), 60_000).unref(),
    );
    await Promise.race([done, timeout]);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'submit-e2e-kafka-'));
  broker = await startLocalKafka({ dataDir: join(dataDir, 'kafka') });
  await createTopic(broker.brokers, TOPIC, PARTITIONS);
  kafka = createKafka({ brokers: broker.brokers, clientId: 'submit-e2e', logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  vi.stubEnv('KAFKA_BROKERS', broker.brokers);
  vi.stubEnv('KAFKA_TOPIC', TOPIC);
  ({ handler } = await import('../../functions/submit/handler.js'));
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

describe('submit handler with a real Kafka broker', () => {
  it('puts an accepted order on the topic as one record keyed by order_uid', async () => {
    const order = newOrder();
    const response = await post(event(JSON.stringify(order)));
    expect(response.statusCode).toBe(202);
    expect(response.json).toEqual({ order_uid: order.order_uid, status: 'accepted' });
    expect(response.headers?.location).toBe(`/orders/${order.order_uid}`);

    expect(await recordCount()).toBe(1);
    const [record] = await readTopic(1);
    expect(record!.key).toBe(order.order_uid);
    expect(JSON.parse(record!.value)).toEqual(order);
  });

  it('keeps every submission of one order_uid on one partition', async () => {
    const order = newOrder();
    const before = await recordCount();
    for (let i = 0; i < 3; i++) expect((await post(event(JSON.stringify(order)))).statusCode).toBe(202);
    expect(await recordCount()).toBe(before + 3);
    const copies = (await readTopic(before + 3)).filter((record) => record.key === order.order_uid);
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((record) => record.partition)).size).toBe(1);
  });

  it.each([
    ['an invalid order', () => event(JSON.stringify({ ...newOrder(), items: [] })), 400, 'invalid_order'],
    ['a body that is not JSON', () => event('{"order_uid":'), 400, 'invalid_json'],
    ['another content type', () => event(JSON.stringify(newOrder()), 'text/plain'), 415, 'unsupported_media_type'],
    ['a body above 256 KB', () => event(JSON.stringify({ ...newOrder(), padding: 'x'.repeat(MAX_ORDER_BYTES) })), 413, 'payload_too_large'],
  ])('writes nothing for %s (%i)', async (_case, request, status, error) => {
    const before = await recordCount();
    const response = await post(request());
    expect(response.statusCode).toBe(status);
    expect(response.json.code).toBe(error);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(await recordCount()).toBe(before);
  });

  it('answers 503 while the broker is down, leaves nothing behind, and accepts again once it is back', async () => {
    const before = await recordCount();
    await broker.stop();
    try {
      const response = await post(event(JSON.stringify(newOrder())));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(response.json.code).toBe('service_unavailable');
    } finally {
      await broker.start();
    }
    await admin.disconnect();
    admin = kafka.admin();
    await admin.connect();
    expect(await recordCount()).toBe(before);

    const order = newOrder();
    expect((await post(event(JSON.stringify(order)))).statusCode).toBe(202);
    expect(await recordCount()).toBe(before + 1);
  });
});

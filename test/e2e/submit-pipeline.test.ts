/**
 * The whole write path, locally: POST /orders on the local gateway → submit function → real Kafka
 * broker → event-source-mapping emulator → ingest function → PostgreSQL → GET /orders/{order_uid}.
 * One partition, so records are delivered in the order they were produced.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as ingestHandler } from '../../functions/ingest/handler.js';
import { startEmulator, type RunningEmulator } from '../../local/emulators/esm/emulator.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { startGateway, type Gateway } from '../../local/emulators/gateway.js';
import { createTopic, type LocalKafka, startLocalKafka } from '../../local/services/kafka/broker.js';
import { closePool } from '../../shared/db/pool.js';
import type { EsmFunction } from '../../local/emulators/esm/emulator.js';
import { createTestDatabase } from '../support/database.js';

const TOPIC = `orders-pipeline-${process.pid}`;
const DLQ_TOPIC = `${TOPIC}.dlq`;

let dataDir: string;
let broker: LocalKafka;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let emulator: RunningEmulator;
let gateway: Gateway;

const [first, second] = fakeOrders(2, 6, { minItems: 1, maxItems: 3 });

const submit = (order: unknown) =>
  fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });

/** Polls GET `path` until it is 200 (the emulator delivered the order) or 60 s pass. */
async function getWhenStored(path: string): Promise<Response> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${gateway.url}${path}`);
    if (response.status === 200) return response;
    expect(response.status).toBe(404);
    if (Date.now() > deadline) throw new Error(`${path} was still 404 after 60 s (emulator stats: ${JSON.stringify(emulator.stats)})`);
    await delay(200);
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'submit-pipeline-'));
  broker = await startLocalKafka({ dataDir: join(dataDir, 'kafka') });
  await createTopic(broker.brokers, TOPIC, 1);
  await createTopic(broker.brokers, DLQ_TOPIC, 1);
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.url);
  vi.stubEnv('KAFKA_BROKERS', broker.brokers);
  vi.stubEnv('KAFKA_TOPIC', TOPIC);
  emulator = await startEmulator({
    brokers: broker.brokers,
    handler: ingestHandler as unknown as EsmFunction,
    topic: TOPIC,
    dlqTopic: DLQ_TOPIC,
    groupId: `submit-pipeline-${process.pid}`,
    batchWindowMs: 100,
  });
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
  await emulator?.stop();
  await closePool();
  await database?.drop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

describe('POST /orders through the local pipeline', () => {
  it('serves a submitted order at its location once the emulator has delivered it', async () => {
    const response = await submit(first);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ order_uid: first!.order_uid, status: 'accepted' });
    const location = response.headers.get('location');
    expect(location).toBe(`/orders/${first!.order_uid}`);

    const stored = await getWhenStored(location!);
    expect(await stored.json()).toEqual(first);
  });

  it('stores an order submitted twice once', async () => {
    expect((await submit(second)).status).toBe(202);
    expect((await submit(second)).status).toBe(202);
    // A marker behind both copies on the one partition: once it is stored, both copies were delivered.
    const marker = { ...first!, order_uid: `${second!.order_uid}-marker` };
    expect((await submit(marker)).status).toBe(202);
    await getWhenStored(`/orders/${marker.order_uid}`);

    expect(await (await getWhenStored(`/orders/${second!.order_uid}`)).json()).toEqual(second);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ count: string }>('SELECT count(*) FROM orders WHERE order_uid = $1', [second!.order_uid]);
      expect(Number(rows[0]!.count)).toBe(1);
    } finally {
      await sql.end();
    }
    expect(emulator.stats.recordsToDlq).toBe(0);
  });
});

/**
 * The whole write path, locally: POST /orders on the local gateway → submit function → real Kafka
 * broker → event-source-mapping emulator → ingest function → PostgreSQL → GET /orders/{order_uid}.
 * One partition, so records are delivered in the order they were produced. The three functions run as their
 * bundles in execution environments of the local Lambda service, as `npm start` runs them.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../local/emulators/esm/emulator.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { startGateway, type Gateway } from '../../local/emulators/gateway.js';
import { createTopic, type LocalKafka, startLocalKafka } from '../../local/services/kafka/broker.js';
import { createTestDatabase } from '../support/database.js';
import { startLocalFunctions } from '../support/lambda.js';

const TOPIC = `orders-pipeline-${process.pid}`;
const DLQ_TOPIC = `${TOPIC}.dlq`;

let dataDir: string;
let broker: LocalKafka;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let emulator: RunningEmulator;
let gateway: Gateway;
let functions: Awaited<ReturnType<typeof startLocalFunctions>>;

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
  functions = await startLocalFunctions(database.url, broker.brokers, { names: ['ingest', 'api', 'submit'], topic: TOPIC });
  emulator = await startEmulator({
    brokers: broker.brokers,
    handler: functions.service.handler('ingest'),
    topic: TOPIC,
    dlqTopic: DLQ_TOPIC,
    groupId: `submit-pipeline-${process.pid}`,
    batchWindowMs: 100,
  });
  const invoke = (name: 'api' | 'submit') => functions.service.handler<APIGatewayProxyResultV2>(name);
  gateway = await startGateway({ functions: { api: invoke('api'), submit: invoke('submit') } });
});

afterAll(async () => {
  await gateway?.close();
  await emulator?.stop();
  await functions?.service.close();
  await database?.drop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
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

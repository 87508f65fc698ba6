/**
 * Both runtime roles' passwords rotated under a real `npm start` while orders flow: orders go to
 * its broker, the ingest function (orders_writer, from its secret) stores them, the read API
 * (orders_reader, from its secret) answers reads of stored orders, each through the local Lambda
 * service, over verified TLS to npm start's PostgreSQL. A rotation is what AWS's single-user
 * rotation does: the role's new password (ALTER ROLE), then the secret's (PutSecretValue), then
 * the role's sessions terminated (pg_terminate_backend), so the functions must log in again with
 * the new one. Every order must be stored once, nothing may reach the DLQ, every read answers 200.
 * npm start uses the test run's LocalStack (AWS_ENDPOINT_URL: the path of a LocalStack already
 * running; test/e2e/smoke.test.ts covers npm start running its own).
 */
import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Producer, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generatePassword, secretsClient } from '../../local/services/localstack/secrets.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { localToken } from '../../local/tools/token.js';
import { setRolePasswords, type RuntimeRole } from '../../shared/db/migrate.js';
import { SCOPES } from '../../shared/http/routes.js';
import { createKafka } from '../../shared/kafka/client.js';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../shared/kafka/topics.js';
import type { Order } from '../../shared/order/schema.js';
import { readDlq, waitForCaughtUp } from '../support/kafka.js';
import { type NpmStart, startNpmStart } from '../support/npm-start.js';

const GROUP = 'order-pipeline-ingest';
const BATCH = 10;
let pipeline: NpmStart;
let admin: pg.Client;
let secrets: SecretsManagerClient;
let producer: Producer;
let brokers: string;
let token: string;

beforeAll(async () => {
  pipeline = await startNpmStart('orders-rotation-e2e-', { AWS_ENDPOINT_URL: inject('awsEndpoint') });
  // The banner's PostgreSQL line: the superuser's URL, verified TLS to localhost with the local CA.
  const databaseUrl = /PostgreSQL\s+(postgres:\/\/\S+)/.exec(pipeline.output())?.[1];
  if (!databaseUrl) throw new Error(`no PostgreSQL URL in the banner:\n${pipeline.output()}`);
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  secrets = secretsClient(inject('awsEndpoint'));
  brokers = `127.0.0.1:${pipeline.ports.KAFKA_PORT}`;
  producer = createKafka({ brokers, clientId: 'rotation-e2e', logLevel: logLevel.NOTHING }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  token = await localToken(`http://127.0.0.1:${pipeline.ports.AUTH_PORT}`, [SCOPES.read]);
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.end();
  secrets?.destroy();
  await pipeline?.stop();
});

/** Sends the orders in batches of BATCH, one batch after the other (key: order_uid, as the producers send them). */
async function produce(orders: readonly Order[]): Promise<void> {
  for (let start = 0; start < orders.length; start += BATCH) {
    const messages = orders.slice(start, start + BATCH).map((order) => ({ key: order.order_uid, value: JSON.stringify(order) }));
    await producer.send({ topic: DEFAULT_ORDERS_TOPIC, messages });
  }
}

/** Reads each order once through the gateway (another order each time: none comes from the function's cache); the status codes. */
async function readEach(orders: readonly Order[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const order of orders) {
    const response = await fetch(`http://127.0.0.1:${pipeline.ports.PORT}/orders/${order.order_uid}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

/** AWS's single-user rotation by hand: ALTER ROLE to a new password, PutSecretValue, then the role's sessions ended. */
async function rotate(role: RuntimeRole): Promise<number> {
  const secretId = `order-pipeline/local/${role}`;
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const password = await generatePassword(secrets);
  await setRolePasswords(admin, { [role]: password });
  await secrets.send(
    new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...JSON.parse(SecretString!), password }) }),
  );
  const { rows } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  return rows.length;
}

describe('rotating both roles’ passwords under npm start while orders flow', () => {
  it('stores every order once, sends nothing to the DLQ, and answers every read with 200', async () => {
    const [early, late] = [fakeOrders(100, 501), fakeOrders(200, 502)];
    await produce(early);
    await waitForCaughtUp(brokers, GROUP, DEFAULT_ORDERS_TOPIC);

    // Orders keep coming while both roles are rotated and the stored ones are read.
    const producing = produce(late);
    const terminated = { orders_writer: await rotate('orders_writer'), orders_reader: 0 };
    const readsBefore = await readEach(early.slice(0, 50));
    terminated.orders_reader = await rotate('orders_reader');
    const readsAfter = await readEach(early.slice(50));
    await producing;
    await waitForCaughtUp(brokers, GROUP, DEFAULT_ORDERS_TOPIC);

    // Both rotations ended sessions the functions held, so both logged in again afterwards.
    expect(terminated.orders_writer).toBeGreaterThan(0);
    expect(terminated.orders_reader).toBeGreaterThan(0);
    const uids = [...early, ...late].map((order) => order.order_uid);
    const { rows } = await admin.query<{ order_uid: string; copies: string }>(
      'SELECT order_uid, count(*) AS copies FROM orders WHERE order_uid = ANY($1) GROUP BY order_uid',
      [uids],
    );
    expect(rows.length).toBe(uids.length);
    expect(rows.filter((row) => row.copies !== '1')).toEqual([]);
    expect(await readDlq(brokers, DEFAULT_DLQ_TOPIC)).toEqual([]);
    const apiLines = pipeline
      .output()
      .split('\n')
      .filter((line) => line.startsWith('[api]') && !line.includes('REPORT'));
    expect(
      [...readsBefore, ...readsAfter].filter((status) => status !== 200),
      apiLines.join('\n'),
    ).toEqual([]);
    // The roles' current sessions: logged in with the rotated passwords, over TLS.
    const { rows: sessions } = await admin.query<{ usename: string; ssl: boolean }>(
      `SELECT DISTINCT a.usename, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename IN ('orders_writer', 'orders_reader') ORDER BY 1`,
    );
    expect(sessions).toEqual([
      { usename: 'orders_reader', ssl: true },
      { usename: 'orders_writer', ssl: true },
    ]);
  });
});

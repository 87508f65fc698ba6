/**
 * A password rotation between two invocations of real handlers that log in through their secrets
 * (DB_SECRET_ARN) in LocalStack (the test run's, from the global setup), over verified TLS to a
 * private PostgreSQL that requires it (a private one: a rotation changes the roles' passwords
 * for the whole server, which the shared test server's other files rely on). The roles get their
 * first passwords from the migrate handler, as at deploy time. A rotation here is what AWS's
 * single-user rotation does: ALTER ROLE to the new password, PutSecretValue; then the role's
 * sessions are terminated, so the next invocation must log in again.
 *
 * The handlers verify the server's certificate against the default CA store, as in Lambda, where
 * NODE_EXTRA_CA_CERTS adds RDS's CA bundle to it; here the local CA is added to it in-process
 * (tls.setDefaultCACertificates), since NODE_EXTRA_CA_CERTS is read only when a process starts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { apiDependencies, createApiHandler } from '../../functions/api/api-handler.js';
import { readIngestConfig } from '../../functions/ingest/config.js';
import { createIngestHandler, ingestDependencies } from '../../functions/ingest/ingest-handler.js';
import { createMigrateHandler, migrateDependencies, readMigrateConfig } from '../../functions/migrate/migrate-handler.js';
import {
  createDatabaseSecrets,
  type DatabaseSecrets,
  generatePassword,
  localAwsEnv,
  secretsClient,
  secretValue,
} from '../../local/services/localstack/secrets.js';
import type { LocalPostgres } from '../../local/services/postgres.js';
import { TLS_HOST } from '../../local/services/postgres-tls.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { createDatabase, type Database } from '../../shared/db/pool.js';
import type { RuntimeRole } from '../../shared/db/migrate.js';
import { setRolePasswords } from '../../shared/db/migrate.js';
import type { Order } from '../../shared/order/schema.js';
import { apiGet } from '../support/api-events.js';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import { startPrivatePostgres } from '../support/database.js';
import { ordersEvent } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';

let server: LocalPostgres;
let secrets: DatabaseSecrets;
let client: SecretsManagerClient;
let admin: pg.Client;
const master = () => ({ host: TLS_HOST, port: server.port, username: 'postgres', password: 'postgres', dbname: 'postgres' });
const databases: Database[] = [];

beforeAll(async () => {
  const endpoint = inject('awsEndpoint');
  server = await startPrivatePostgres('orders-rotation-pg-', { tls: 'required' });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(server.tls!.caFile, 'utf8')]);
  for (const [name, value] of Object.entries(localAwsEnv(endpoint))) vi.stubEnv(name, value);
  secrets = await createDatabaseSecrets(endpoint, master(), `order-pipeline/rotation-test-${randomUUID().slice(0, 8)}`);
  client = secretsClient(endpoint);
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  // The deploy: the migrate function sets the roles' passwords from their secrets.
  const env = {
    DB_SECRET_ARN: secrets.master,
    DB_WRITER_SECRET_ARN: secrets.roles.orders_writer,
    DB_READER_SECRET_ARN: secrets.roles.orders_reader,
  };
  const migrate = createMigrateHandler(readMigrateConfig({ ...env, MIGRATIONS_DIR: 'migrations' }), migrateDependencies());
  const result = await migrate({}, lambdaContext({ functionName: 'migrate' }));
  expect(result.rolesWithPassword.sort()).toEqual(['orders_reader', 'orders_writer']);
}, 120_000);

afterAll(async () => {
  await Promise.all(databases.map((database) => database.close()));
  await admin?.end();
  client?.destroy();
  await server?.destroy();
  vi.unstubAllEnvs();
});

/** A function instance's database: its own pool, logging in through `role`'s secret. */
function databaseOf(role: RuntimeRole): Database {
  const database = createDatabase({ ...process.env, DATABASE_URL: '', DB_SECRET_ARN: secrets.roles[role] });
  databases.push(database);
  return database;
}

/** AWS's single-user rotation, done by hand: the role's new password, then the secret's, then its sessions ended. */
async function rotate(role: RuntimeRole): Promise<void> {
  const password = await generatePassword(client);
  await setRolePasswords(admin, { [role]: password });
  await client.send(
    new PutSecretValueCommand({ SecretId: secrets.roles[role], SecretString: secretValue({ ...master(), username: role, password }) }),
  );
  const { rows } = await admin.query<{ ended: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE usename = $1',
    [role],
  );
  expect(rows.length, `sessions of ${role}`).toBeGreaterThan(0);
}

/** The role's sessions: process id and whether it runs over TLS. */
async function sessionsOf(role: RuntimeRole): Promise<Array<{ pid: number; ssl: boolean }>> {
  const { rows } = await admin.query<{ pid: number; ssl: boolean }>(
    'SELECT pid, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = $1',
    [role],
  );
  return rows;
}

/** Sessions opened since `before` (so logged in with the rotated password): all over TLS, at least one. */
async function expectNewTlsSessions(role: RuntimeRole, before: Array<{ pid: number }>): Promise<void> {
  const old = new Set(before.map((session) => session.pid));
  const fresh = (await sessionsOf(role)).filter((session) => !old.has(session.pid));
  expect(fresh.length, `new sessions of ${role}`).toBeGreaterThan(0);
  expect(fresh.every((session) => session.ssl)).toBe(true);
}

describe('a password rotation between two invocations', () => {
  it('ingest (orders_writer, from its secret, over verified TLS) stores the orders of the invocations before and after it', async () => {
    const [before, after] = fakeOrders(2, 77) as [Order, Order];
    const handler = createIngestHandler(readIngestConfig(), ingestDependencies(databaseOf('orders_writer')));
    const invoke = (order: Order, offset: number) =>
      handler(ordersEvent([order], { firstOffset: offset }), lambdaContext({ functionName: 'ingest' }));

    expect(await invoke(before, 0)).toEqual({ batchItemFailures: [] });
    const sessions = await sessionsOf('orders_writer');
    expect(sessions.map((session) => session.ssl)).toContain(true);
    await rotate('orders_writer');
    expect(await invoke(after, 1)).toEqual({ batchItemFailures: [] });
    await expectNewTlsSessions('orders_writer', sessions);

    const { rows } = await admin.query<{ order_uid: string }>('SELECT order_uid FROM orders WHERE order_uid = ANY($1) ORDER BY order_uid', [
      [before.order_uid, after.order_uid],
    ]);
    expect(rows.map((row) => row.order_uid)).toEqual([before.order_uid, after.order_uid].sort());
  });

  it('the read API (orders_reader, from its secret) answers 200 before and after it', async () => {
    const [first, second] = fakeOrders(2, 78) as [Order, Order];
    const writer = createIngestHandler(readIngestConfig(), ingestDependencies(databaseOf('orders_writer')));
    const stored = await writer(ordersEvent([first, second], { firstOffset: 10 }), lambdaContext({ functionName: 'ingest' }));
    expect(stored).toEqual({ batchItemFailures: [] });
    const handler = createApiHandler(
      { cache: cacheConfigFromEnv({}), signIn: undefined },
      { ...apiDependencies(), database: databaseOf('orders_reader') },
    );
    // Another order each time: the second read cannot come from the instance's cache.
    const read = async (order: Order) =>
      (await handler(apiGet(`/orders/${order.order_uid}`), lambdaContext({ functionName: 'api' }))) as { statusCode: number };

    expect((await read(first)).statusCode).toBe(200);
    const sessions = await sessionsOf('orders_reader');
    await rotate('orders_reader');
    expect((await read(second)).statusCode).toBe(200);
    await expectNewTlsSessions('orders_reader', sessions);
  });
});

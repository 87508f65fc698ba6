/**
 * A password rotation under the read API, against a real PostgreSQL: the role's password changes
 * (ALTER ROLE), its sessions are terminated, and the secret now holds the new password. The
 * invocation that meets the refused login (28P01) reads the secret again, bypassing the cache,
 * logs in again and answers 200 itself (shared/db/pool.ts, functions/api/read-api.ts).
 *
 * Its own PostgreSQL server: the test changes orders_reader's password, which the other test
 * files log in with. No TLS here (DB_SSLMODE=disable), which the server of the test kit does not
 * offer. Stood in for: the secret reader (shared/db/secrets.ts), which hands out the secret's
 * current value and records each read; its SDK path is tested in test/integration/db-secrets.test.ts and
 * against LocalStack by the rotation tests of the local stack.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cacheConfigFromEnv } from '../../functions/api/order-cache.js';
import { apiDependencies, createApiHandler } from '../../functions/api/api-handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { storeOrders } from '../../shared/db/orders.js';
import type { Order } from '../../shared/order/schema.js';
import { apiGet } from '../support/api-events.js';
import { usePrivatePostgres, withClient } from '../support/database.js';
import { lambdaContext } from '../support/lambda.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-reader-AbCdEf';
const secret = {
  engine: 'postgres',
  host: '127.0.0.1',
  port: 0,
  username: 'orders_reader',
  password: 'first-Pa$$word',
  dbname: 'postgres',
};
/** Each read of the secret: whether it bypassed the cache. */
const reads: boolean[] = [];
vi.mock('../../shared/db/secrets.js', () => ({
  readSecretString: vi.fn(async (_arn: string, options?: { forceFetch?: boolean }) => {
    reads.push(options?.forceFetch ?? false);
    return JSON.stringify(secret);
  }),
}));

const postgres = usePrivatePostgres('api-rotation-pg-');
let api: { handler: ReturnType<typeof createApiHandler>; close: () => Promise<void> };
let orders: Order[];

const admin = <T>(work: Parameters<typeof withClient<T>>[1]) => withClient(postgres.server.url, work);
const setPassword = (password: string) =>
  admin(async (client) => {
    const { rows } = await client.query<{ sql: string }>({
      text: "SELECT format('ALTER ROLE orders_reader LOGIN PASSWORD %L', $1::text) AS sql",
      values: [password],
    });
    await client.query(rows[0]!.sql);
  });

/** Ends every session of orders_reader and waits until the server has none left. */
const terminateReaderSessions = () =>
  admin(async (client) => {
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'orders_reader'");
    for (;;) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'orders_reader'");
      if (rows[0]!.n === 0) return;
    }
  });

const get = (path: string) => api.handler(apiGet(path) as APIGatewayProxyEventV2, lambdaContext());

beforeAll(async () => {
  secret.port = postgres.server.port;
  await setPassword(secret.password);
  orders = fakeOrders(4, 57);
  await storeOrders(orders);
  // As deployed: the secret's ARN, no DATABASE_URL.
  const dependencies = apiDependencies({ DB_SECRET_ARN: ARN, DB_SSLMODE: 'disable', AWS_REGION: 'eu-west-1' });
  api = {
    handler: createApiHandler({ cache: cacheConfigFromEnv({}), signIn: undefined }, dependencies),
    close: () => dependencies.database.close(),
  };
});
afterAll(() => api?.close());

describe('a password rotation under the read API', () => {
  it('answers 200 in the invocation that meets the refused login, after one fresh read of the secret', async () => {
    expect((await get(`/orders/${orders[0]!.order_uid}`)).statusCode).toBe(200);
    expect(reads).toEqual([false]);

    const rotated = 'second-Pa$$word';
    await setPassword(rotated);
    secret.password = rotated;
    await terminateReaderSessions();

    const response = await get(`/orders/${orders[1]!.order_uid}`);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual(orders[1]);
    expect(reads).toEqual([false, true]);
  });

  it('answers 503 with Retry-After while the secret still holds the old password, and 200 once it holds the new one', async () => {
    reads.length = 0;
    // Mid-rotation: the database has the new password, the secret not yet.
    await setPassword('third-Pa$$word');
    await terminateReaderSessions();

    const refused = await get(`/orders/${orders[2]!.order_uid}`);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toBe('5');

    secret.password = 'third-Pa$$word';
    const served = await get(`/orders/${orders[2]!.order_uid}`);
    expect(served.statusCode).toBe(200);
    // Every refused login read the secret afresh; nothing was served from a stale cache after one.
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((forced) => forced)).toBe(true);
  });
});

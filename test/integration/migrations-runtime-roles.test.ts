/**
 * The runtime roles of migrations/1763827200000_runtime-roles.sql on the real PostgreSQL: what
 * each may not do, and that the real handlers work with exactly what each may do.
 * `database.sql` is the superuser's view, used to seed and to check.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as ingestHandler } from '../../functions/ingest/handler.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { migrateUp, type RuntimeRole } from '../../shared/db/migrate.js';
import { closePool } from '../../shared/db/pool.js';
import type { KafkaEvent } from '../../shared/kafka/event.js';
import type { Order } from '../../shared/order/schema.js';
import { apiGet } from '../support/api-events.js';
import { apiInstance } from '../support/handlers.js';
import { createTestDatabase, roleUrl, useTestDatabase, withClient } from '../support/database.js';
import { clone, readFixture, seedOrders } from '../support/fixtures.js';
import { ordersEvent } from '../support/kafka-events.js';
import { lambdaContext } from '../support/lambda.js';

const database = useTestDatabase();

const INSUFFICIENT_PRIVILEGE = '42501';

/** `orders` on the topic and partition of the AWS MSK example event (test/fixtures), from its offset on. */
const mskEvent = (orders: readonly object[]) => ordersEvent(orders, { topic: 'mytopic', firstOffset: 15 });

/** Points the code under test (its pool) at the test database as `role`. */
async function runAs(role: RuntimeRole): Promise<void> {
  await closePool();
  vi.stubEnv('DATABASE_URL', roleUrl(database, role));
}

/** A client logged in as `role` for the duration of the file. */
function roleClient(role: RuntimeRole): () => pg.Client {
  let client: pg.Client | undefined;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: roleUrl(database, role) });
    await client.connect();
  });
  afterAll(() => client?.end());
  return () => {
    if (!client) throw new Error(`${role}: connected in beforeAll`);
    return client;
  };
}

async function counts(): Promise<Record<string, number>> {
  const { rows } = await database.sql.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM deliveries) AS deliveries,
            (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM items) AS items`,
  );
  return Object.fromEntries(Object.entries(rows[0]!).map(([table, count]) => [table, Number(count)]));
}

const [seeded] = fakeOrders(1, 41) as [Order];

beforeAll(async () => {
  // One stored order, written by the ingest handler as the writer, for the statements to aim at.
  await runAs('orders_writer');
  expect(await ingestHandler(mskEvent([seeded]), lambdaContext())).toEqual({ batchItemFailures: [] });
});

describe('orders_writer', () => {
  const writer = roleClient('orders_writer');

  it.each([
    ['DELETE', 'DELETE FROM orders'],
    ['DELETE from a child table', 'DELETE FROM items'],
    ['UPDATE', "UPDATE orders SET locale = 'xx'"],
    ['UPDATE a child table', "UPDATE deliveries SET city = 'elsewhere'"],
    ['TRUNCATE', 'TRUNCATE orders CASCADE'],
    ['CREATE a table', 'CREATE TABLE intruder (id integer)'],
    ['CREATE a temporary table', 'CREATE TEMPORARY TABLE intruder (id integer)'],
    ['CREATE a schema', 'CREATE SCHEMA intruder'],
    ['CREATE a function', 'CREATE FUNCTION intruder() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$'],
    ['DROP a table', 'DROP TABLE items'],
    ['ALTER a table', 'ALTER TABLE orders ADD COLUMN intruder integer'],
    ['CREATE an index', 'CREATE INDEX intruder ON orders (locale)'],
    ['read the personal data of deliveries', 'SELECT name, phone, email, address FROM deliveries'],
    ['read the other columns of orders', 'SELECT customer_id FROM orders'],
    ['read payments', 'SELECT * FROM payments'],
    ['read the migrations table', 'SELECT * FROM pgmigrations'],
    ['write the migrations table', "INSERT INTO pgmigrations (name, run_on) VALUES ('x', now())"],
  ])('cannot %s', async (_what, statement) => {
    const before = await counts();
    await expect(writer().query(statement)).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    expect(await counts()).toEqual(before);
  });

  it('cannot give itself more rights or become another role', async () => {
    // A GRANT without the grant option only warns ("no privileges were granted"): the DELETE still fails.
    await writer().query('GRANT DELETE ON orders TO orders_writer');
    await expect(writer().query('DELETE FROM orders')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    await expect(writer().query('SET ROLE orders_reader')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    await expect(writer().query('CREATE ROLE intruder')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
  });
});

describe('orders_reader', () => {
  const reader = roleClient('orders_reader');
  const storedRow = () => database.sql.query<{ id: string }>('SELECT id FROM orders WHERE order_uid = $1', [seeded.order_uid]);

  it.each([
    [
      'INSERT',
      `INSERT INTO orders (order_uid, track_number, entry, locale, customer_id, delivery_service, shardkey, sm_id,
                date_created, date_created_text, oof_shard, content_sha256)
                VALUES ('intruder', 't', 'e', 'en', 'c', 'd', '1', 1, now(), 'now', '1', '\\x00')`,
    ],
    ['INSERT into a child table', async () => `INSERT INTO items SELECT * FROM items WHERE order_id = ${(await storedRow()).rows[0]!.id}`],
    ['UPDATE', "UPDATE orders SET locale = 'xx'"],
    ['DELETE', 'DELETE FROM orders'],
    ['TRUNCATE', 'TRUNCATE items'],
    ['CREATE a table', 'CREATE TABLE intruder (id integer)'],
    ['CREATE a temporary table', 'CREATE TEMPORARY TABLE intruder (id integer)'],
    ['CREATE a schema', 'CREATE SCHEMA intruder'],
    ['DROP a table', 'DROP TABLE orders CASCADE'],
    ['ALTER a table', 'ALTER TABLE orders DROP COLUMN locale'],
    ['read the migrations table', 'SELECT * FROM pgmigrations'],
    ['read the record verdicts', 'SELECT * FROM record_verdicts'],
    ['delete the record verdicts', 'DELETE FROM record_verdicts'],
  ])('cannot %s', async (_what, statement) => {
    const before = await counts();
    const text = typeof statement === 'string' ? statement : await statement();
    await expect(reader().query(text)).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    expect(await counts()).toEqual(before);
  });

  it('cannot give itself more rights or become another role', async () => {
    await reader().query('GRANT DELETE ON orders TO orders_reader'); // only warns: no grant option
    await expect(reader().query('DELETE FROM orders')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    await expect(reader().query('SET ROLE orders_writer')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
    await expect(reader().query('ALTER ROLE orders_writer PASSWORD NULL')).rejects.toMatchObject({ code: INSUFFICIENT_PRIVILEGE });
  });
});

describe('the ingest handler as orders_writer', () => {
  beforeAll(() => runAs('orders_writer'));
  beforeEach(() => database.sql.query('TRUNCATE orders, record_verdicts CASCADE'));

  it('reports the non-JSON value of the AWS MSK example event as a failure, and keeps that verdict for the retries', async () => {
    expect(await ingestHandler(readFixture<KafkaEvent>('events/msk-aws-example.json'), lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'mytopic-0', offset: 15 } }],
    });
    const kept = await database.sql.query(`SELECT first_offset, verdicts->0->'rejection'->>'reason' AS reason FROM record_verdicts`);
    expect(kept.rows).toEqual([{ first_offset: '15', reason: 'not_json' }]);
  });

  it('stores a batch, then takes the same batch again without changing anything, and reports an order_uid re-sent with different content', async () => {
    const seeds = seedOrders().map(({ order }) => order);
    expect(await ingestHandler(mskEvent(seeds), lambdaContext())).toEqual({ batchItemFailures: [] });
    const stored = await database.sql.query('SELECT order_uid, content_sha256, customer_id FROM orders ORDER BY order_uid');
    expect(stored.rows).toHaveLength(seeds.length);
    const before = await counts();

    const changed = { ...clone(seeds[0]!), customer_id: 'someone-else' };
    // Redelivery (duplicates) and a re-send with other content (conflict): both read the stored fingerprints.
    expect(await ingestHandler(mskEvent(seeds), lambdaContext())).toEqual({ batchItemFailures: [] });
    // The conflict is reported (it goes to the DLQ with its reason), never written over the stored order.
    expect(await ingestHandler(mskEvent([changed]), lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'mytopic-0', offset: 15 } }],
    });

    expect(await counts()).toEqual(before);
    expect((await database.sql.query('SELECT order_uid, content_sha256, customer_id FROM orders ORDER BY order_uid')).rows).toEqual(
      stored.rows,
    );
  });

  it('stores a large batch through its chunked transaction', async () => {
    const orders = fakeOrders(260, 42);
    expect(await ingestHandler(mskEvent(orders), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect((await counts()).orders).toBe(orders.length);
  });
});

describe('the read API handler as orders_reader', () => {
  const [order] = fakeOrders(1, 43) as [Order];

  beforeAll(async () => {
    await database.sql.query('TRUNCATE orders CASCADE');
    await runAs('orders_writer');
    await ingestHandler(mskEvent([order]), lambdaContext());
    reader = apiInstance(roleUrl(database, 'orders_reader'));
  });
  afterAll(() => reader.database.close());

  let reader: ReturnType<typeof apiInstance>;
  const get = (path: string) => {
    return reader.handler(apiGet(path), lambdaContext());
  };

  it('serves an order exactly as it was sent', async () => {
    const response = await get(`/orders/${order.order_uid}`);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? 'null')).toStrictEqual(order);
  });

  it('lists the newest orders and reports the database healthy', async () => {
    const list = await get('/orders');
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(JSON.parse(list.body ?? 'null'))).toContain(order.order_uid);
    expect((await get('/health')).statusCode).toBe(200);
  });
});

describe('the roles migration on another database of the same server', () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  afterAll(() => fresh?.drop());

  it('applies where the roles already exist, grants the same, and finds nothing to do the second time', async () => {
    // An empty database: created from the template, then emptied of everything the migrations made.
    fresh = await createTestDatabase();
    await withClient(fresh.url, (admin) =>
      admin.query(
        `DROP TABLE record_verdicts, items, payments, deliveries, orders, pgmigrations; GRANT TEMPORARY ON DATABASE ${new URL(fresh!.url).pathname.slice(1)} TO PUBLIC`,
      ),
    );
    const applied = await withClient(fresh.url, (admin) => migrateUp({ connection: admin }));
    expect(applied).toHaveLength(3);
    expect(await withClient(fresh.url, (admin) => migrateUp({ connection: admin }))).toEqual([]);

    const privileges = await withClient(fresh.url, async (admin) => {
      const { rows } = await admin.query<{
        role: string;
        temporary: boolean;
        create: boolean;
        writer_delete: boolean;
        reader_select: boolean;
        verdicts_delete: boolean;
        verdicts_select: boolean;
      }>(
        `SELECT r AS role,
                has_database_privilege(r, current_database(), 'TEMPORARY') AS temporary,
                has_schema_privilege(r, 'public', 'CREATE') AS create,
                has_table_privilege(r, 'orders', 'DELETE') AS writer_delete,
                has_table_privilege(r, 'deliveries', 'SELECT') AS reader_select,
                has_table_privilege(r, 'record_verdicts', 'DELETE') AS verdicts_delete,
                has_table_privilege(r, 'record_verdicts', 'SELECT') AS verdicts_select
         FROM unnest(ARRAY['orders_writer', 'orders_reader']) AS r ORDER BY r`,
      );
      return rows;
    });
    expect(privileges).toEqual([
      {
        role: 'orders_reader',
        temporary: false,
        create: false,
        writer_delete: false,
        reader_select: true,
        verdicts_delete: false,
        verdicts_select: false,
      },
      {
        role: 'orders_writer',
        temporary: false,
        create: false,
        writer_delete: false,
        reader_select: false,
        verdicts_delete: true,
        verdicts_select: true,
      },
    ]);
  });
});

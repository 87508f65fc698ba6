import type pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { byOrderUid } from '../../functions/ingest/store.js';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { classifyError } from '../../shared/db/errors.js';
import { beginOrderTransaction } from '../../shared/db/orders.js';
import { createDatabase, type Database } from '../../shared/db/pool.js';
import { useTestDatabase } from '../support/database.js';

// beginOrderTransaction against the real PostgreSQL: what ingest's pipelined writer relies on.
const database = useTestDatabase();
let db: Database | undefined;
afterAll(() => db?.close());

/** The container-like database, and the pooled connection the transaction took (to watch its socket). */
async function open() {
  db ??= createDatabase({ DATABASE_URL: database.url });
  let taken: pg.PoolClient | undefined;
  const transaction = await beginOrderTransaction({
    connect: async () => {
      taken = await db!.connect();
      return taken;
    },
  });
  return { transaction, client: taken! };
}

const count = async (uids: readonly string[]) =>
  Number((await database.sql.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE order_uid = ANY($1)', [uids])).rows[0]!.n);

describe('beginOrderTransaction', () => {
  it('writes a statement to the connection before storeOrders returns, so PostgreSQL works while the caller goes on', async () => {
    const { transaction, client } = await open();
    await transaction.ready;
    const socket = (client as unknown as { connection: { stream: { write: (...args: unknown[]) => boolean } } }).connection.stream;
    const write = vi.spyOn(socket, 'write');
    const stored = transaction.storeOrders(byOrderUid(fakeOrders(20, 61)));
    // Synchronously: no await between the call and this line.
    expect(write).toHaveBeenCalled();
    write.mockRestore();
    await stored;
    await transaction.commit();
  });

  it('shows none of its orders to others before COMMIT and all of them after', async () => {
    const orders = byOrderUid(fakeOrders(30, 62));
    const uids = orders.map((order) => order.order_uid);
    const { transaction } = await open();
    await transaction.ready;
    const first = await transaction.storeOrders(orders.slice(0, 10));
    const second = await transaction.storeOrders(orders.slice(10));
    expect([...first.values(), ...second.values()]).toEqual(uids.map(() => 'inserted'));
    expect(await count(uids)).toBe(0);
    await transaction.commit();
    expect(await count(uids)).toBe(30);
  });

  it('fails its next statement as unavailable, without crashing the process, when the server ends the connection between statements', async () => {
    const orders = byOrderUid(fakeOrders(10, 64));
    const { transaction, client } = await open();
    await transaction.ready;
    await transaction.storeOrders(orders.slice(0, 5));
    const ended = new Promise((resolve) => client.once('end', resolve));
    await database.sql.query('SELECT pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
    await ended;
    const error = await transaction.storeOrders(orders.slice(5)).catch((failure: unknown) => failure);
    expect(classifyError(error)).toBe('unavailable');
    await transaction.abandon();
    expect(await count(orders.map((order) => order.order_uid))).toBe(0);
  });

  it('stores nothing when abandoned, also after a failed statement, and gives a working connection back', async () => {
    const orders = byOrderUid(fakeOrders(12, 63));
    const uids = orders.map((order) => order.order_uid);
    const { transaction } = await open();
    await transaction.ready;
    await transaction.storeOrders(orders.slice(0, 6));
    // The same order_uid twice in one statement (the writer never sends that): the second delivery row is refused.
    const twice = [orders[6]!, { ...orders[6]! }];
    const refused = await transaction.storeOrders(twice).catch((error: unknown) => error);
    expect(classifyError(refused)).toBe('data');
    await transaction.abandon();
    expect(await count(uids)).toBe(0);
    const again = await open();
    await again.transaction.ready;
    expect((await again.transaction.storeOrders(orders)).size).toBe(12);
    await again.transaction.commit();
    expect(await count(uids)).toBe(12);
  });
});

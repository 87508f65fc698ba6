/**
 * Orders in PostgreSQL: storing a batch of contract-valid orders (one statement; ingest's
 * store sends a large batch as a few such statements), reading one order back as its canonical JSON, listing the
 * newest, and a liveness check. The SQL lives in order-sql.ts, the parameters in order-rows.ts;
 * queries run on the container's database (pool.ts) unless a caller passes its own.
 */
import type pg from 'pg';
import type { Order } from '../order/schema.js';
import { orderParams } from './order-rows.js';
import {
  INSERT_ORDERS,
  SELECT_NEWEST_ORDERS,
  SELECT_ONE,
  SELECT_ORDER_JSON,
  SELECT_ORDERS_AFTER,
  SELECT_STORED_ORDER,
} from './order-sql.js';
import { containerDatabase, type Database, query } from './pool.js';

/** What storing did to one order: new, harmless repeat, or a different order under a stored order_uid. */
export type StoreOutcome = 'inserted' | 'duplicate' | 'conflict';

type OutcomeRow = { order_uid: string; outcome: StoreOutcome };

// A named statement is parsed and planned once per connection.
const insertOrders = (orders: readonly Order[]): pg.QueryConfig => ({
  name: 'insert-orders',
  text: INSERT_ORDERS,
  values: orderParams(orders),
});

const toOutcomes = (rows: OutcomeRow[], into = new Map<string, StoreOutcome>()) => {
  for (const row of rows) into.set(row.order_uid, row.outcome);
  return into;
};

/**
 * Stores contract-valid orders with distinct order_uids in one statement (one round trip, one
 * transaction), on `database` (by default the container's). Returns the outcome per order_uid.
 * Any database error rejects: nothing is stored.
 */
export async function storeOrders(
  orders: readonly Order[],
  database: Pick<Database, 'query'> = containerDatabase,
): Promise<Map<string, StoreOutcome>> {
  if (orders.length === 0) return new Map();
  return toOutcomes((await database.query<OutcomeRow>(insertOrders(orders))).rows);
}

/** The order's canonical JSON text exactly as the contract defines it, or undefined if unknown. */
export async function findOrderJson(orderUid: string): Promise<string | undefined> {
  const result = await query<{ order_json: string }>({
    name: 'select-order-json',
    text: SELECT_ORDER_JSON,
    values: [orderUid],
  });
  return result.rows[0]?.order_json;
}

/** One line of the newest-orders list (money in minor units, as stored). */
export interface OrderSummary {
  /** Internal sort key for the next page's cursor; not part of the API's summary. */
  id: string;
  order_uid: string;
  date_created: string;
  customer_id: string;
  amount: number;
  currency: string;
  item_count: number;
  delivery_city: string;
}

/** A stored order as the read API serves it: its canonical JSON and its content fingerprint (hex SHA-256). */
export interface StoredOrder {
  json: string;
  fingerprint: string;
}

/** The read API's queries on one database (its instance's pool). */
export interface OrderReader {
  /** The order's canonical JSON and fingerprint, in one query; undefined if unknown. */
  findStoredOrder(orderUid: string): Promise<StoredOrder | undefined>;
  /** Up to `count` summaries, newest first, after the order with internal id `afterId` (or from the newest). */
  listOrderSummaries(count: number, afterId?: string): Promise<OrderSummary[]>;
  /** True when the database answers a trivial query. */
  isReachable(): Promise<boolean>;
}

export function orderReader(database: Pick<Database, 'query'>): OrderReader {
  return {
    async findStoredOrder(orderUid) {
      const result = await database.query<{ order_json: string; fingerprint: string }>({
        name: 'select-stored-order',
        text: SELECT_STORED_ORDER,
        values: [orderUid],
      });
      const row = result.rows[0];
      return row && { json: row.order_json, fingerprint: row.fingerprint };
    },
    async listOrderSummaries(count, afterId) {
      const result = await database.query<Omit<OrderSummary, 'amount'> & { amount: string }>(
        afterId === undefined
          ? { name: 'select-newest-orders', text: SELECT_NEWEST_ORDERS, values: [count] }
          : { name: 'select-orders-after', text: SELECT_ORDERS_AFTER, values: [count, afterId] },
      );
      // bigint arrives as text; the contract keeps money within JSON's exact integers.
      return result.rows.map((row) => ({ ...row, amount: Number(row.amount) }));
    },
    isReachable: () =>
      database.query({ text: SELECT_ONE }).then(
        () => true,
        () => false,
      ),
  };
}

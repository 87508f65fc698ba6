import type pg from 'pg';
import type { Order } from '../order/schema.js';
import { INSERT_ORDERS, SELECT_NEWEST_ORDERS, SELECT_ONE, SELECT_ORDER_JSON, SELECT_ORDERS_AFTER } from './order-sql.js';
import { connect, query } from './pool.js';

/** What storing did to one order: new, harmless repeat, or a different order under a stored order_uid. */
export type StoreOutcome = 'inserted' | 'duplicate' | 'conflict';

type OutcomeRow = { order_uid: string; outcome: StoreOutcome };

// A named statement is parsed and planned once per connection.
const insertOrders = (orders: readonly Order[]): pg.QueryConfig => ({
  name: 'insert-orders',
  text: INSERT_ORDERS,
  values: [JSON.stringify(orders)],
});

const toOutcomes = (rows: OutcomeRow[], into = new Map<string, StoreOutcome>()) => {
  for (const row of rows) into.set(row.order_uid, row.outcome);
  return into;
};

/**
 * Stores contract-valid orders with distinct order_uids in one statement (one round trip, one
 * transaction). Returns the outcome per order_uid. Any database error rejects: nothing is stored.
 */
export async function storeOrders(orders: readonly Order[]): Promise<Map<string, StoreOutcome>> {
  if (orders.length === 0) return new Map();
  return toOutcomes((await query<OutcomeRow>(insertOrders(orders))).rows);
}

/**
 * One transaction that takes a large batch in a few chunks, so that the database inserts one
 * chunk while the caller validates the next: BEGIN, one INSERT statement per chunk, COMMIT.
 * The caller keeps the number of chunks small and fixed. order_uids must be distinct across
 * chunks; a later chunk sees the earlier chunks' rows, so outcomes stay exact.
 */
export interface OrderTransaction {
  /** Sends one chunk at once, without waiting for the database. */
  write(orders: readonly Order[]): void;
  /** Waits for every chunk, commits, and returns the outcome per order_uid. Rolls back and rejects on any error. */
  commit(): Promise<Map<string, StoreOutcome>>;
  /** Abandons the transaction (e.g. the caller failed before committing). */
  rollback(): Promise<void>;
}

export async function beginOrderTransaction(): Promise<OrderTransaction> {
  const client = await connect();
  const pending: Array<Promise<pg.QueryResult<OutcomeRow>>> = [];
  let open = true;
  const end = async (error?: Error) => {
    if (!open) return;
    open = false;
    // After a failed statement the connection is still good once rolled back; if even the
    // rollback fails, the connection is broken and pg must discard it.
    const broken = error ? await client.query('ROLLBACK').then(() => undefined, (rollbackError: Error) => rollbackError) : undefined;
    client.release(broken);
  };
  try {
    await client.query('BEGIN');
  } catch (error) {
    await end(error as Error);
    throw error;
  }
  return {
    write(orders) {
      if (orders.length === 0) return;
      const sent = client.query<OutcomeRow>(insertOrders(orders));
      sent.catch(() => undefined); // observed in commit(); avoids an unhandled rejection meanwhile
      pending.push(sent);
    },
    async commit() {
      try {
        const results = await Promise.all(pending);
        await client.query('COMMIT');
        await end();
        const outcomes = new Map<string, StoreOutcome>();
        for (const result of results) toOutcomes(result.rows, outcomes);
        return outcomes;
      } catch (error) {
        await end(error as Error);
        throw error;
      }
    },
    rollback: () => end(new Error('order transaction abandoned')),
  };
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

/** Up to `count` summaries, newest first, after the order with internal id `afterId` (or from the newest). */
export async function listOrderSummaries(count: number, afterId?: string): Promise<OrderSummary[]> {
  const result = await query<Omit<OrderSummary, 'amount'> & { amount: string }>(
    afterId === undefined
      ? { name: 'select-newest-orders', text: SELECT_NEWEST_ORDERS, values: [count] }
      : { name: 'select-orders-after', text: SELECT_ORDERS_AFTER, values: [count, afterId] },
  );
  // bigint arrives as text; the contract keeps money within JSON's exact integers.
  return result.rows.map((row) => ({ ...row, amount: Number(row.amount) }));
}

/** True when the database answers a trivial query. */
export async function databaseIsReachable(): Promise<boolean> {
  return query({ text: SELECT_ONE }).then(
    () => true,
    () => false,
  );
}

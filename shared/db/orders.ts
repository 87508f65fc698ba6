import type { Order } from '../order/schema.js';
import { INSERT_ORDERS, SELECT_ORDER_JSON } from './order-sql.js';
import { query } from './pool.js';

/** What storing did to one order: new, harmless repeat, or a different order under a stored order_uid. */
export type StoreOutcome = 'inserted' | 'duplicate' | 'conflict';

/**
 * Stores contract-valid orders with distinct order_uids in one statement (one round trip, one
 * transaction). Returns the outcome per order_uid. Any database error rejects: nothing is stored.
 */
export async function storeOrders(orders: readonly Order[]): Promise<Map<string, StoreOutcome>> {
  if (orders.length === 0) return new Map();
  // A named statement is parsed and planned once per connection.
  const result = await query<{ order_uid: string; outcome: StoreOutcome }>({
    name: 'insert-orders',
    text: INSERT_ORDERS,
    values: [JSON.stringify(orders)],
  });
  return new Map(result.rows.map((row) => [row.order_uid, row.outcome]));
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

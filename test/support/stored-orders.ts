import { SELECT_ORDER_JSON } from '../../shared/db/order-sql.js';
import { containerDatabase } from '../../shared/db/pool.js';

/**
 * A stored order's canonical JSON text exactly as the contract defines it, or undefined if
 * unknown, read on the container's database (DATABASE_URL): how tests and the fuzz check what
 * ingest stored. No function reads it (the read API reads the JSON and its fingerprint at once).
 */
export async function findOrderJson(orderUid: string): Promise<string | undefined> {
  const result = await containerDatabase.query<{ order_json: string }>({
    name: 'select-order-json',
    text: SELECT_ORDER_JSON,
    values: [orderUid],
  });
  return result.rows[0]?.order_json;
}

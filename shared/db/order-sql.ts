/**
 * Every SQL statement about orders, in one place. Column lists follow the order contract
 * (shared/order/schema.ts) and the tables of migrations/.
 */
import { ITEM_PARAMS, ORDER_PARAMS, unnestOf } from './order-rows.js';

/**
 * Stores a batch of orders in ONE statement and says, per order_uid, what happened to it.
 *
 * The parameters are column arrays (shared/db/order-rows.ts: ORDER_PARAMS, then ITEM_PARAMS) of
 * contract-valid orders with distinct order_uids. The statement:
 *  - inserts the orders with ON CONFLICT (order_uid) DO NOTHING, so a stored order_uid is never
 *    written twice (first write wins) and a redelivered batch is harmless;
 *  - inserts deliveries, payments and items only for the orders it actually inserted;
 *  - returns one row per input order: 'inserted', 'duplicate' (already stored with the same
 *    content fingerprint) or 'conflict' (already stored with different content).
 * The stored fingerprint is looked up only for an order the statement did not insert (CASE
 * evaluates lazily), so a batch of new orders costs no lookup. The statement's parts share one
 * snapshot: the lookup sees only rows committed before it, never the rows this statement
 * inserts. An order_uid committed concurrently by another transaction after that snapshot is
 * skipped by ON CONFLICT, not seen by the lookup, and reported as 'duplicate'.
 */
export const INSERT_ORDERS = /* sql */ `
WITH input AS (
  SELECT * FROM ${unnestOf(ORDER_PARAMS, 1, 'o')}
), inserted AS (
  INSERT INTO orders (order_uid, track_number, entry, locale, internal_signature, customer_id,
                      delivery_service, shardkey, sm_id, date_created, date_created_text, oof_shard,
                      content_sha256)
  SELECT order_uid, track_number, entry, locale, internal_signature, customer_id,
         delivery_service, shardkey, sm_id, date_created::timestamptz, date_created, oof_shard,
         content_sha256
  FROM input
  ON CONFLICT (order_uid) DO NOTHING
  RETURNING id, order_uid
), new_deliveries AS (
  INSERT INTO deliveries (order_id, name, phone, zip, city, address, region, email)
  SELECT n.id, i.delivery_name, i.delivery_phone, i.delivery_zip, i.delivery_city, i.delivery_address,
         i.delivery_region, i.delivery_email
  FROM inserted n JOIN input i USING (order_uid)
), new_payments AS (
  INSERT INTO payments (order_id, transaction, request_id, currency, provider, amount, payment_dt,
                        bank, delivery_cost, goods_total, custom_fee)
  SELECT n.id, i.payment_transaction, i.payment_request_id, i.payment_currency, i.payment_provider,
         i.payment_amount, i.payment_payment_dt, i.payment_bank, i.payment_delivery_cost,
         i.payment_goods_total, i.payment_custom_fee
  FROM inserted n JOIN input i USING (order_uid)
), new_items AS (
  INSERT INTO items (order_id, position, chrt_id, track_number, price, rid, name, sale, size,
                     total_price, nm_id, brand, status)
  SELECT n.id, it.position, it.chrt_id, it.track_number, it.price, it.rid, it.name, it.sale,
         it.size, it.total_price, it.nm_id, it.brand, it.status
  FROM ${unnestOf(ITEM_PARAMS, ORDER_PARAMS.length + 1, 'it')}
  JOIN inserted n USING (order_uid)
)
SELECT i.order_uid,
       CASE WHEN n.id IS NOT NULL THEN 'inserted'
            -- NULL (no visible row) falls through to 'duplicate'.
            WHEN (SELECT e.content_sha256 <> i.content_sha256 FROM orders e WHERE e.order_uid = i.order_uid) THEN 'conflict'
            ELSE 'duplicate' END AS outcome
FROM input i
LEFT JOIN inserted n USING (order_uid)`;

/**
 * The canonical JSON of one order, built by PostgreSQL in one query: the contract's field
 * names in the contract's order, items in the order they were sent, no internal ids.
 * json (not jsonb) keeps that key order; json_strip_nulls drops the optional fields that were
 * absent when the order was sent (they are the only nullable columns).
 */
const ORDER_JSON = /* sql */ `
json_strip_nulls(json_build_object(
  'order_uid', o.order_uid,
  'track_number', o.track_number,
  'entry', o.entry,
  'delivery', json_build_object(
    'name', d.name, 'phone', d.phone, 'zip', d.zip, 'city', d.city,
    'address', d.address, 'region', d.region, 'email', d.email),
  'payment', json_build_object(
    'transaction', p.transaction, 'request_id', p.request_id, 'currency', p.currency,
    'provider', p.provider, 'amount', p.amount, 'payment_dt', p.payment_dt, 'bank', p.bank,
    'delivery_cost', p.delivery_cost, 'goods_total', p.goods_total, 'custom_fee', p.custom_fee),
  'items', (
    SELECT json_agg(json_build_object(
      'chrt_id', i.chrt_id, 'track_number', i.track_number, 'price', i.price, 'rid', i.rid,
      'name', i.name, 'sale', i.sale, 'size', i.size, 'total_price', i.total_price,
      'nm_id', i.nm_id, 'brand', i.brand, 'status', i.status) ORDER BY i.position)
    FROM items i WHERE i.order_id = o.id),
  'locale', o.locale,
  'internal_signature', o.internal_signature,
  'customer_id', o.customer_id,
  'delivery_service', o.delivery_service,
  'shardkey', o.shardkey,
  'sm_id', o.sm_id,
  'date_created', o.date_created_text,
  'oof_shard', o.oof_shard
))::text`;

/** $1 = order_uid → zero or one row with `order_json` (text). */
export const SELECT_ORDER_JSON = /* sql */ `
SELECT ${ORDER_JSON} AS order_json
FROM orders o
JOIN deliveries d ON d.order_id = o.id
JOIN payments p ON p.order_id = o.id
WHERE o.order_uid = $1`;

/** The same order and its content fingerprint (the read API's ETag), in the same one query. */
export const SELECT_STORED_ORDER = /* sql */ `
SELECT ${ORDER_JSON} AS order_json, encode(o.content_sha256, 'hex') AS fingerprint
FROM orders o
JOIN deliveries d ON d.order_id = o.id
JOIN payments p ON p.order_id = o.id
WHERE o.order_uid = $1`;

/** Liveness of the database connection. */
export const SELECT_ONE = 'SELECT 1';

/**
 * Summaries of the newest orders for the read API, newest first by (date_created DESC, id DESC)
 * so that the orders_newest_idx index serves the order and keyset pagination has a strict total
 * order even when date_created ties. $1 = how many rows (the API asks one more than a page, to
 * know whether another page follows).
 */
const ORDER_SUMMARY_COLUMNS = /* sql */ `
  o.id, o.order_uid, o.date_created_text AS date_created, o.customer_id,
  p.amount, p.currency, d.city AS delivery_city,
  (SELECT count(*) FROM items i WHERE i.order_id = o.id)::integer AS item_count
FROM orders o
JOIN payments p ON p.order_id = o.id
JOIN deliveries d ON d.order_id = o.id`;

export const SELECT_NEWEST_ORDERS = /* sql */ `
SELECT ${ORDER_SUMMARY_COLUMNS}
ORDER BY o.date_created DESC, o.id DESC
LIMIT $1`;

/**
 * The page after the order with id $2 (keyset: no OFFSET, so every page costs the same). The
 * cursor names only the last row's id; its sort key is read back here, which avoids round-tripping
 * a microsecond timestamp through the client. An id that does not exist yields an empty page.
 */
export const SELECT_ORDERS_AFTER = /* sql */ `
SELECT ${ORDER_SUMMARY_COLUMNS}
WHERE (o.date_created, o.id) < (SELECT c.date_created, c.id FROM orders c WHERE c.id = $2)
ORDER BY o.date_created DESC, o.id DESC
LIMIT $1`;

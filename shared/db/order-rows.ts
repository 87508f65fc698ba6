/**
 * How orders become the parameters of INSERT_ORDERS: one PostgreSQL array per column, read back
 * with unnest(), which costs PostgreSQL less than walking JSON documents row by row (docs/benchmarks.md
 * has the figures). The arrays go as array literals written in one pass here, rather
 * than through pg's generic array serializer. INSERT_ORDERS is generated from these lists, so a
 * column and its parameter cannot drift apart.
 */
import { hash } from 'node:crypto';
import type { Item, Order } from '../order/schema.js';

type ParamType = 'text' | 'integer' | 'bigint' | 'bytea';

export interface ParamSpec<Row> {
  /** Column name in the statement's unnest() alias. */
  name: string;
  type: ParamType;
  value: (row: Row) => string | number | undefined;
}

export interface ItemRow {
  orderUid: string;
  position: number;
  item: Item;
}

/** SHA-256 of the order's canonical JSON (the contract's key order): tells a repeat from a conflict. */
function contentHash(order: Order): string {
  return hash('sha256', JSON.stringify(order), 'hex');
}

const text = <Row>(name: string, value: (row: Row) => string | undefined): ParamSpec<Row> => ({ name, type: 'text', value });
const int = <Row>(name: string, value: (row: Row) => number): ParamSpec<Row> => ({ name, type: 'integer', value });
const big = <Row>(name: string, value: (row: Row) => number): ParamSpec<Row> => ({ name, type: 'bigint', value });

/** One entry per order: the order's own fields, its delivery and its payment. */
export const ORDER_PARAMS: ParamSpec<Order>[] = [
  text('order_uid', (o) => o.order_uid),
  text('track_number', (o) => o.track_number),
  text('entry', (o) => o.entry),
  text('locale', (o) => o.locale),
  text('internal_signature', (o) => o.internal_signature),
  text('customer_id', (o) => o.customer_id),
  text('delivery_service', (o) => o.delivery_service),
  text('shardkey', (o) => o.shardkey),
  int('sm_id', (o) => o.sm_id),
  text('date_created', (o) => o.date_created),
  text('oof_shard', (o) => o.oof_shard),
  { name: 'content_sha256', type: 'bytea', value: (o) => `\\x${contentHash(o)}` },
  text('delivery_name', (o) => o.delivery.name),
  text('delivery_phone', (o) => o.delivery.phone),
  text('delivery_zip', (o) => o.delivery.zip),
  text('delivery_city', (o) => o.delivery.city),
  text('delivery_address', (o) => o.delivery.address),
  text('delivery_region', (o) => o.delivery.region),
  text('delivery_email', (o) => o.delivery.email),
  text('payment_transaction', (o) => o.payment.transaction),
  text('payment_request_id', (o) => o.payment.request_id),
  text('payment_currency', (o) => o.payment.currency),
  text('payment_provider', (o) => o.payment.provider),
  big('payment_amount', (o) => o.payment.amount),
  big('payment_payment_dt', (o) => o.payment.payment_dt),
  text('payment_bank', (o) => o.payment.bank),
  big('payment_delivery_cost', (o) => o.payment.delivery_cost),
  big('payment_goods_total', (o) => o.payment.goods_total),
  big('payment_custom_fee', (o) => o.payment.custom_fee),
];

/** One entry per item, with its order's uid and its 1-based position in the order. */
export const ITEM_PARAMS: ParamSpec<ItemRow>[] = [
  text('order_uid', (r) => r.orderUid),
  int('position', (r) => r.position),
  big('chrt_id', (r) => r.item.chrt_id),
  text('track_number', (r) => r.item.track_number),
  big('price', (r) => r.item.price),
  text('rid', (r) => r.item.rid),
  text('name', (r) => r.item.name),
  int('sale', (r) => r.item.sale),
  text('size', (r) => r.item.size),
  big('total_price', (r) => r.item.total_price),
  big('nm_id', (r) => r.item.nm_id),
  text('brand', (r) => r.item.brand),
  int('status', (r) => r.item.status),
];

/** `unnest($n::type[], ...) AS alias(name, ...)` for a parameter list starting at $first. */
export function unnestOf(specs: readonly ParamSpec<never>[], first: number, alias: string): string {
  const params = specs.map((spec, index) => `$${first + index}::${spec.type}[]`).join(', ');
  return `unnest(${params}) AS ${alias}(${specs.map((spec) => spec.name).join(', ')})`;
}

/** A PostgreSQL array literal: every element quoted (backslash and quote escaped), NULL for undefined. */
function arrayLiteral(values: ReadonlyArray<string | number | undefined>): string {
  let literal = '{';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (index > 0) literal += ',';
    if (value === undefined) literal += 'NULL';
    else if (typeof value === 'number') literal += value;
    else literal += `"${/[\\"]/.test(value) ? value.replace(/[\\"]/g, '\\$&') : value}"`;
  }
  return `${literal}}`;
}

function columns<Row>(rows: readonly Row[], specs: readonly ParamSpec<Row>[]): string[] {
  return specs.map((spec) => arrayLiteral(rows.map(spec.value)));
}

/** The parameters of INSERT_ORDERS: ORDER_PARAMS then ITEM_PARAMS, as array literals. */
export function orderParams(orders: readonly Order[]): string[] {
  const items: ItemRow[] = [];
  for (const order of orders) {
    for (const [index, item] of order.items.entries()) items.push({ orderUid: order.order_uid, position: index + 1, item });
  }
  return [...columns(orders, ORDER_PARAMS), ...columns(items, ITEM_PARAMS)];
}

/**
 * Hostile Kafka records for the ingest properties (test/integration/ingest-handler-properties.test.ts and
 * `npm run fuzz`): valid orders, orders with one field set to something hostile (null, wrong
 * types, numbers beyond bigint or JSON's exact integers, -0 and 1e2 written as such, NUL, lone
 * surrogates, overlong text, dates PostgreSQL refuses, offsets beyond ±15:59, unknown and
 * prototype keys), other JSON values, text that is not JSON, bytes that are not UTF-8, values
 * that are not base64, absent values, deep nesting, and repeats of an order_uid in a batch with
 * the same or different content. Keys name the record's order_uid, are absent, or name another
 * order_uid (a producer that keys by something else, or lies: ingest places records by key).
 */
import fc from 'fast-check';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import type { Order } from '../../shared/order/schema.js';

/** A record as the event carries it: `value` is the base64 text (or whatever a hostile source put there). */
export interface HostileRecord {
  /** Which mutation made it (printed by the fuzz run). */
  kind: string;
  partition: number;
  key?: string;
  value?: unknown;
}

const BASE = fakeOrders(40, 1313);
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A number written into the JSON text as is (JSON.stringify would normalize -0 and 1e2). */
const RAW_NUMBERS = [
  '-0',
  '1e2',
  '1.0',
  '-0.0',
  '1e400',
  '123456789012345678901234567890',
  '9007199254740993',
  '9223372036854775808',
  '2147483648',
  '0.1',
  '-1',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  '',
  'x'.repeat(256),
  'a\u0000b',
  '\uD800',
  'ok\uDFFFok',
  1e300,
  2 ** 63,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  -1,
  1.5,
  2_147_483_648,
  [],
  {},
  [[[[[]]]]],
  '1',
  { __proto__: null, a: 1 },
  'Ω'.repeat(255),
  '😀'.repeat(128),
];
const DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2024-02-29T12:00:00Z',
  '2023-02-29T12:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T23:59:60Z',
  '2024-01-01T00:00:00+16:00',
  '2024-01-01T00:00:00-15:59',
  '2024-01-01T00:00:00+99:99',
  '2024-01-01T00:00:00.123456789Z',
  '2024-01-01T00:00:00-00:00',
  '2024-01-01t00:00:00z',
  '2024-01-01T00:00:00+0530',
  '0000-12-31T23:59:59+14:00',
  '294277-01-01T00:00:00Z',
  '2024-01-01 00:00:00Z',
  '2024-01-01T00:00:00',
];
const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'k\u0000',
  '\uD800',
  '',
  'order_uid ',
  'ORDER_UID',
];

const LEAVES = [
  'order_uid',
  'track_number',
  'entry',
  'locale',
  'internal_signature',
  'customer_id',
  'delivery_service',
  'shardkey',
  'sm_id',
  'date_created',
  'oof_shard',
  'delivery',
  'payment',
  'items',
  'delivery.name',
  'delivery.phone',
  'delivery.zip',
  'delivery.city',
  'delivery.address',
  'delivery.region',
  'delivery.email',
  'payment.transaction',
  'payment.request_id',
  'payment.currency',
  'payment.provider',
  'payment.amount',
  'payment.payment_dt',
  'payment.bank',
  'payment.delivery_cost',
  'payment.goods_total',
  'payment.custom_fee',
  'items.0',
  'items.0.chrt_id',
  'items.0.track_number',
  'items.0.price',
  'items.0.rid',
  'items.0.name',
  'items.0.sale',
  'items.0.size',
  'items.0.total_price',
  'items.0.nm_id',
  'items.0.brand',
  'items.0.status',
];
const NUMBER_LEAVES = [
  'sm_id',
  'payment.payment_dt',
  'items.0.chrt_id',
  'items.0.price',
  'items.0.sale',
  'items.0.nm_id',
  'items.0.status',
];

type Json = Record<string, unknown>;

function parentOf(order: Json, path: string): [Json, string] {
  const parts = path.split('.');
  let node: Json = order;
  for (const part of parts.slice(0, -1)) node = node[part] as Json;
  return [node, parts.at(-1)!];
}

const setPath = (order: Json, path: string, value: unknown) => {
  const [node, key] = parentOf(order, path);
  if (value === undefined) delete node[key];
  else node[key] = value;
};

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 300 });
const orderUid = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 2, arbitrary: fc.constantFrom('dup-a', 'dup-b', 'dup-c') },
  { weight: 1, arbitrary: anyText },
);

/** An order (JSON text) from a base order with one mutation; `kind` names it. */
const orderText: fc.Arbitrary<{ kind: string; text: string; key?: string }> = fc
  .record({
    base: fc.integer({ min: 0, max: BASE.length - 1 }),
    uid: orderUid,
    mutation: fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'valid' }) },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('hostile-value'),
          path: fc.constantFrom(...LEAVES),
          value: fc.oneof(fc.constantFrom(...HOSTILE_VALUES), fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('text'),
          path: fc.constantFrom(...LEAVES.filter((leaf) => !NUMBER_LEAVES.includes(leaf))),
          value: anyText,
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('date'),
          value: fc.oneof(
            fc.constantFrom(...DATES),
            fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          ),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('raw-number'),
          path: fc.constantFrom(...NUMBER_LEAVES),
          raw: fc.constantFrom(...RAW_NUMBERS),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('extra-key'),
          at: fc.constantFrom('', 'delivery', 'payment', 'items.0'),
          name: fc.oneof(fc.constantFrom(...EXTRA_KEYS), anyText),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('items'), count: fc.constantFrom(0, 1001) }) },
    ),
    keying: fc.oneof(
      { weight: 5, arbitrary: fc.constant<'uid' | 'none'>('uid') },
      { weight: 3, arbitrary: fc.constant<'uid' | 'none'>('none') },
      { weight: 2, arbitrary: orderUid.map((other) => ({ other })) },
    ),
  })
  .map(({ base, uid, mutation, keying }) => {
    const order = structuredClone(BASE[base]!) as unknown as Json;
    order.order_uid = uid;
    let raw: string | undefined;
    if (mutation.kind === 'hostile-value' && 'path' in mutation && 'value' in mutation) setPath(order, mutation.path, mutation.value);
    if (mutation.kind === 'text' && 'path' in mutation && 'value' in mutation) setPath(order, mutation.path, mutation.value);
    if (mutation.kind === 'date' && 'value' in mutation) order.date_created = mutation.value;
    if (mutation.kind === 'raw-number' && 'raw' in mutation && 'path' in mutation) {
      setPath(order, mutation.path, '@@RAW@@');
      raw = mutation.raw;
    }
    if (mutation.kind === 'extra-key' && 'name' in mutation && 'at' in mutation) {
      const node = mutation.at === '' ? order : (parentOf(order, `${mutation.at}.x`)[0] as Json);
      Object.defineProperty(node, mutation.name, { value: 'extra', enumerable: true, configurable: true, writable: true });
    }
    if (mutation.kind === 'items' && 'count' in mutation) {
      const items = order.items as Order['items'];
      order.items = mutation.count === 0 ? [] : Array.from({ length: mutation.count }, () => ({ ...items[0]!, total_price: 0 }));
    }
    let text = JSON.stringify(order);
    if (raw !== undefined) text = text.replace('"@@RAW@@"', raw);
    const key = keying === 'uid' ? (typeof uid === 'string' ? uid : undefined) : keying === 'none' ? undefined : keying.other;
    return { kind: mutation.kind, text, key };
  });

/** Values that are not an order at all, as base64 text unless said otherwise. */
const junkValue: fc.Arbitrary<{ kind: string; value: unknown }> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json-value', value: base64(JSON.stringify(value) ?? 'null') })),
  anyText.map((text) => ({ kind: 'not-json', value: base64(text) })),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) => ({ kind: 'bytes', value: Buffer.from([0xc3, 0x28, ...bytes]).toString('base64') })),
  fc.constantFrom('%%%', 'abc', 'YWJj-_', 'YQ', '====', ' YWJj').map((value) => ({ kind: 'not-base64', value })),
  fc.constantFrom(null, undefined, 42, { a: 1 }).map((value) => ({ kind: 'no-value', value })),
  fc
    .integer({ min: 1_000, max: 20_000 })
    .map((depth) => ({ kind: 'deep-nesting', value: base64(`${'['.repeat(depth)}${']'.repeat(depth)}`) })),
  fc
    .integer({ min: 1_000, max: 10_000 })
    .map((depth) => ({ kind: 'deep-object', value: base64(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) })),
);

export const hostileRecord: fc.Arbitrary<HostileRecord> = fc
  .record({
    partition: fc.integer({ min: 0, max: 3 }),
    body: fc.oneof(
      { weight: 8, arbitrary: orderText.map(({ kind, text, key }) => ({ kind, value: base64(text) as unknown, key })) },
      { weight: 2, arbitrary: junkValue.map(({ kind, value }) => ({ kind, value, key: undefined as string | undefined })) },
    ),
  })
  .map(({ partition, body }) => ({
    kind: body.kind,
    partition,
    value: body.value,
    ...(body.key === undefined ? {} : { key: base64(body.key) }),
  }));

/** A batch: hostile records, some repeated (same content, or the same order_uid). */
export const hostileBatch = (maxLength: number) =>
  fc
    .array(hostileRecord, { minLength: 1, maxLength, size: 'max' })
    .chain((records) =>
      fc
        .array(fc.integer({ min: 0, max: records.length - 1 }), { maxLength: Math.ceil(records.length / 10) })
        .map((repeats) => [...records, ...repeats.map((index) => ({ ...records[index]!, kind: `repeat-${records[index]!.kind}` }))]),
    );

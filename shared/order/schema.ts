/**
 * The order contract: the one definition of what an order is, for the consumer, the submit
 * function, the producer CLI and the tests. The TypeScript type `Order` is inferred from it.
 *
 * Shape as the seed services define it (the `b563feb7b2b84b6test` sample). Objects are strict:
 * an unknown field is a violation rather than silently dropped, so what is stored is exactly
 * what was sent and the read side can return it unchanged.
 */
// Namespace import: lets the bundler drop zod's unused locales (most of zod's minified size).
import * as z from 'zod';
import { ORDER_UID_PATTERN } from './order-uid.js';

const TEXT_MAX = 255;
// PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate cannot become UTF-8: either would
// fail or alter the stored order, so the contract refuses them up front.
const storable = (value: string) => value.isWellFormed() && !value.includes('\u0000');
const text = () => z.string().max(TEXT_MAX).refine(storable, { error: 'must be valid Unicode text without NUL characters' });
const nonEmptyText = () => text().min(1);
/** Money is kept in minor units: non-negative integers that JSON and bigint both hold exactly. */
const money = () => z.int().nonnegative();
const count = () => z.int().nonnegative();
/** Small counters stored as PostgreSQL `integer`. */
const smallCount = () => z.int().nonnegative().max(2_147_483_647);

/**
 * RFC 3339 allows what PostgreSQL's timestamptz refuses (SQLSTATE 22008/22009): year 0000 and
 * offsets beyond ±15:59. The format itself is checked by z.iso.datetime first.
 */
function storableDateTime(value: string): boolean {
  if (value.startsWith('0000')) return false;
  const offset = /([+-])(\d{2}):?\d{2}$/.exec(value);
  return offset === null || Number(offset[2]) <= 15;
}

const orderUidSchema = z.string().regex(ORDER_UID_PATTERN, {
  error: 'must be 1-64 letters, digits, "-" or "_"',
});

// E.164-like: optional "+", 7 to 15 digits (the seeds use "+9720000000").
const phoneSchema = z.string().regex(/^\+?[0-9]{7,15}$/, { error: 'must be a phone number: optional "+" and 7-15 digits' });

/** zod's default local-part characters; the last one may not be "'". */
const LOCAL_CHAR = "[A-Za-z0-9_'+-]";
const LOCAL_LAST = '[A-Za-z0-9_+-]';
/**
 * One to three dot-separated parts, each as long as keeps the local part within RFC 5321's 64
 * octets (64; 31 + 1 + 32; 20 + 1 + 20 + 1 + 21): bounded by its shape, without a lookahead,
 * which test generators (schemathesis) cannot draw from.
 */
const LOCAL_PART = [
  `${LOCAL_CHAR}{0,63}${LOCAL_LAST}`,
  `${LOCAL_CHAR}{1,31}\\.${LOCAL_CHAR}{0,31}${LOCAL_LAST}`,
  `${LOCAL_CHAR}{1,20}\\.${LOCAL_CHAR}{1,20}\\.${LOCAL_CHAR}{0,20}${LOCAL_LAST}`,
].join('|');
/**
 * An RFC 1035 label (letters, digits and inner hyphens, 1-63 characters) without "--" in its
 * third and fourth characters, which IDNA reserves for A-labels ("xn--…"): validators that check
 * IDNA refuse such a label unless it is valid Punycode, which a pattern cannot tell.
 */
const ALNUM = '[A-Za-z0-9]';
const LDH = '[A-Za-z0-9-]';
const DOMAIN_LABEL = `${ALNUM}(?:${LDH}{0,2}${ALNUM}|${LDH}(?:${ALNUM}${LDH}|-${ALNUM})${LDH}{0,58}${ALNUM})?`;

/**
 * E-mail address: the local part above, "@", labels, and a top-level label of 2-63 letters; the
 * whole at most 255 characters (TEXT_MAX), so the domain stays within 253. The JSON Schema carries
 * this pattern beside `format: email`, and every address it matches is also an `email` to
 * ajv-formats (full and fast mode) and to schemathesis's validator, so a producer validating
 * against the schema accepts exactly what zod accepts (test/unit/order-json-schema.test.ts).
 * zod's own default lets a label end in "-" and a local part run past 64 characters, which
 * `format: email` refuses. Internationalised domains are taken in neither form.
 */
export const EMAIL_PATTERN = new RegExp(`^(?:${LOCAL_PART})@(?:${DOMAIN_LABEL}\\.)+[A-Za-z]{2,63}$`);

const deliverySchema = z.strictObject({
  name: nonEmptyText(),
  phone: phoneSchema,
  zip: text(),
  city: nonEmptyText(),
  address: nonEmptyText(),
  region: text(),
  email: z.email({ pattern: EMAIL_PATTERN, error: 'must be an email address' }).max(TEXT_MAX),
});

const paymentSchema = z.strictObject({
  transaction: nonEmptyText(),
  // Absent in one seed sample and empty in others: both are valid and both round-trip.
  request_id: text().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code: three capital letters' }),
  provider: nonEmptyText(),
  amount: money(),
  payment_dt: count(),
  bank: text(),
  delivery_cost: money(),
  goods_total: money(),
  custom_fee: money(),
});

const itemSchema = z.strictObject({
  chrt_id: count(),
  track_number: text(),
  price: money(),
  rid: text(),
  name: nonEmptyText(),
  sale: smallCount(),
  size: text(),
  total_price: money(),
  nm_id: count(),
  brand: text(),
  status: smallCount(),
});

const MAX_ITEMS = 1000;

const orderShape = z.strictObject({
  order_uid: orderUidSchema,
  track_number: nonEmptyText(),
  entry: text(),
  delivery: deliverySchema,
  payment: paymentSchema,
  items: z.array(itemSchema).min(1, { error: 'an order needs at least one item' }).max(MAX_ITEMS),
  locale: text(),
  internal_signature: text().optional(),
  customer_id: text(),
  delivery_service: text(),
  shardkey: text(),
  sm_id: smallCount(),
  date_created: z.iso
    .datetime({ offset: true, error: 'must be an RFC 3339 date-time with a time zone' })
    .refine(storableDateTime, { error: 'must have a year from 0001 and a UTC offset within ±15:59 (what PostgreSQL timestamptz stores)' }),
  oof_shard: text(),
});

const isMoney = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The money rules need the numbers they add up; they run whenever those numbers are usable,
 * even if other fields failed, so that a rejected order reports all of its violations at once.
 */
export const orderSchema = orderShape.superRefine(
  (order, ctx) => {
    // Any field may hold any JSON value here (null included): look before reading.
    const payment: unknown = order.payment;
    const items: unknown[] = Array.isArray(order.items) ? order.items : [];
    const totals = items.map((item) =>
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>).total_price : undefined,
    );
    if (typeof payment !== 'object' || payment === null || !totals.every(isMoney)) return;
    const { goods_total: goodsTotal, delivery_cost: deliveryCost, custom_fee: customFee, amount } = payment as Record<string, unknown>;
    if (isMoney(goodsTotal)) {
      const itemsTotal = totals.reduce((sum, value) => sum + value, 0);
      if (goodsTotal !== itemsTotal) {
        ctx.addIssue({
          code: 'custom',
          path: ['payment', 'goods_total'],
          message: 'must equal the sum of items[].total_price',
          input: goodsTotal,
        });
      }
    }
    if (isMoney(amount) && isMoney(goodsTotal) && isMoney(deliveryCost) && isMoney(customFee)) {
      const expected = goodsTotal + deliveryCost + customFee;
      if (amount !== expected) {
        ctx.addIssue({
          code: 'custom',
          path: ['payment', 'amount'],
          message: 'must equal goods_total + delivery_cost + custom_fee',
          input: amount,
        });
      }
    }
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
);

export type Order = z.infer<typeof orderSchema>;
export type Item = Order['items'][number];

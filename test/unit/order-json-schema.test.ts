/**
 * The order's JSON Schema (schemas/order.schema.json) and the zod contract agree on generated
 * orders, valid and broken, except where the schema's description says JSON Schema cannot
 * follow: for those, zod alone refuses, and every violation it reports is one of the named rules.
 * The formats and patterns (e-mail, date-time, phone, currency, order_uid) are compared string by
 * string, against ajv-formats in both its modes.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFaker, fakeOrder } from '../../local/tools/fake-orders.js';
import { orderJsonSchema, RULES_BEYOND_JSON_SCHEMA } from '../../shared/order/json-schema.js';
import { validateOrder, type Violation } from '../../shared/order/validate.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const schemaAccepts = ajv.compile(orderJsonSchema());
// ajv-formats' other mode (simpler regular expressions): a producer may validate with either.
const fastAjv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(fastAjv, { mode: 'fast' });
const fastSchemaAccepts = fastAjv.compile(orderJsonSchema());

/** The violations of the rules RULES_BEYOND_JSON_SCHEMA names, by the message zod gives each. */
const NAMED_RULE_MESSAGES = [
  /^must equal the sum of items\[\]\.total_price/,
  /^must equal goods_total \+ delivery_cost \+ custom_fee/,
  /^must be valid Unicode text without NUL characters$/,
  /^must have a year from 0001 and a UTC offset within ±15:59/,
  /expected string to have <=\d+ characters$/,
];
const isNamedRule = ({ message }: Violation) => NAMED_RULE_MESSAGES.some((pattern) => pattern.test(message));

const LEAVES = [
  ['order_uid'],
  ['track_number'],
  ['entry'],
  ['locale'],
  ['internal_signature'],
  ['customer_id'],
  ['delivery_service'],
  ['shardkey'],
  ['sm_id'],
  ['date_created'],
  ['oof_shard'],
  ['delivery', 'name'],
  ['delivery', 'phone'],
  ['delivery', 'zip'],
  ['delivery', 'email'],
  ['payment', 'currency'],
  ['payment', 'amount'],
  ['payment', 'goods_total'],
  ['payment', 'request_id'],
  ['items', 0, 'price'],
  ['items', 0, 'total_price'],
  ['items', 0, 'sale'],
  ['items', 0, 'name'],
  ['items'],
  ['delivery'],
  ['payment'],
] as const;

const json = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 260 }),
  fc.constantFrom(
    '',
    'USD',
    'usd',
    '+15550100',
    'a@b.co',
    'not an email',
    '2024-03-01T10:00:00Z',
    '0000-01-01T00:00:00Z',
    '2024-03-01T10:00:00+16:00',
    '2024-03-01',
    'x'.repeat(255),
    'x'.repeat(256),
    '\u0000',
    '\ud800',
    '😀'.repeat(200),
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);

type Path = readonly (string | number)[];
type Mutation = { kind: 'set'; path: Path; value: unknown } | { kind: 'delete'; path: Path } | { kind: 'extra'; name: string };
const MONEY = [
  ['payment', 'amount'],
  ['payment', 'goods_total'],
  ['payment', 'delivery_cost'],
  ['items', 0, 'total_price'],
] as const;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...LEAVES), value: json }),
  // Well-typed money that no longer adds up: only the sums (named rules) are broken.
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...MONEY), value: fc.nat({ max: 100_000 }) }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...LEAVES) }),
  fc.record({ kind: fc.constant('extra' as const), name: fc.string({ minLength: 1, maxLength: 8 }) }),
);

function apply(order: Record<string, unknown>, change: Mutation): unknown {
  const copy = structuredClone(order);
  if (change.kind === 'extra') {
    if (!(change.name in copy)) copy[change.name] = 1;
    return copy;
  }
  let parent = copy as Record<string | number, unknown>;
  for (const key of change.path.slice(0, -1)) {
    const next = parent[key];
    // An earlier change replaced a parent with a non-object: nothing left to change below it.
    if (typeof next !== 'object' || next === null) return copy;
    parent = next as Record<string | number, unknown>;
  }
  const last = change.path.at(-1)!;
  if (change.kind === 'delete') delete parent[last];
  else parent[last] = change.value;
  return copy;
}

const orders = fc
  .integer({ min: 1, max: 1_000_000 })
  .map((seed) => fakeOrder(createFaker(seed), { minItems: 1, maxItems: 3 }) as unknown as Record<string, unknown>);

describe('schemas/order.schema.json against the zod contract', () => {
  it('names the rules it cannot express in its description', () => {
    const { description } = orderJsonSchema() as { description: string };
    for (const rule of RULES_BEYOND_JSON_SCHEMA) expect(description).toContain(rule);
  });

  it('accepts every valid generated order, as zod does', () => {
    fc.assert(
      fc.property(orders, (order) => {
        expect(validateOrder(order).ok).toBe(true);
        expect(schemaAccepts(order), JSON.stringify(schemaAccepts.errors)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with zod on broken orders, except where zod refuses for a named rule only', () => {
    const seen = { bothRefuse: 0, namedRuleOnly: 0 };
    fc.assert(
      fc.property(orders, fc.array(mutation, { minLength: 1, maxLength: 3 }), (order, changes) => {
        const broken = changes.reduce<unknown>((value, change) => apply(value as Record<string, unknown>, change), order);
        const zod = validateOrder(broken);
        const schema = schemaAccepts(broken);
        if (zod.ok) {
          expect(schema, JSON.stringify(schemaAccepts.errors)).toBe(true);
        } else if (schema) {
          // Only JSON Schema's blind spots may separate them.
          expect(zod.violations.filter((violation) => !isNamedRule(violation))).toEqual([]);
          seen.namedRuleOnly += 1;
        } else {
          seen.bothRefuse += 1;
        }
      }),
      { numRuns: 500 },
    );
    // Both kinds of disagreement-free outcome were exercised, not only one.
    expect(seen.bothRefuse).toBeGreaterThan(100);
    expect(seen.namedRuleOnly).toBeGreaterThan(20);
  });
});

/** Strings over `alphabet`, of `minLength` to `maxLength` characters. */
const over = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const DIGITS = '0123456789';
const LETTERS = 'abcxyzABCXYZ';

/** Near misses of an e-mail address: the parts of one, each drawn from a little more than it may hold. */
const emailLike = fc.oneof(
  fc.emailAddress(),
  fc
    .tuple(
      over(`${LETTERS}${DIGITS}._'+-`, 1, 10),
      fc.array(over(`${LETTERS}${DIGITS}-`, 1, 10), { minLength: 1, maxLength: 2 }),
      over(LETTERS, 2, 6),
    )
    .map(([local, labels, top]) => `${local}@${[...labels, top].join('.')}`),
  fc
    .tuple(
      fc.oneof(
        over(`${LETTERS}${DIGITS}_'+-.!#~%`, 0, 12),
        // Dot-separated parts around the local part's 64-character bound.
        fc.array(over(`${LETTERS}${DIGITS}_'+-`, 0, 36), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
        over(`${LETTERS}${DIGITS}`, 60, 70),
      ),
      fc.array(fc.oneof(over(`${LETTERS}${DIGITS}-`, 0, 8), over(`${LETTERS}${DIGITS}-`, 60, 66)), { minLength: 0, maxLength: 3 }),
      fc.oneof(over(LETTERS, 0, 4), over(`${LETTERS}${DIGITS}-`, 1, 4), over(LETTERS, 62, 65)),
      fc.constantFrom('@', '@', '@', '', '@@'),
    )
    .map(([local, labels, top, at]) => `${local}${at}${[...labels, top].join('.')}`),
  fc.string({ maxLength: 20 }),
);

const pad = (value: number, width: number) => String(value).padStart(width, '0');
/** Near misses of an RFC 3339 date-time: each part drawn a little beyond its range, with the separators' variants. */
const dateTimeLike = fc.oneof(
  fc
    .record({
      year: fc.oneof(fc.constantFrom(0, 1, 1900, 2000, 2024, 2100, 9999), fc.integer({ min: 0, max: 9999 })),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      t: fc.constantFrom('T', 'T', 't', ' '),
      hour: fc.integer({ min: 0, max: 24 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.oneof(
        fc.constant(''),
        over(DIGITS, 1, 9).map((digits) => `.${digits}`),
        fc.constant('.'),
      ),
      offset: fc.oneof(
        fc.constantFrom('Z', 'Z', 'z', '', '+00:00', '-00:00', '+0530', '+05'),
        fc
          .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }))
          .map(([sign, hours, minutes]) => `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`),
      ),
    })
    .map(
      (p) =>
        `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}${p.t}${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction}${p.offset}`,
    ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.string({ maxLength: 30 }),
);

/** Each string field with a format or a pattern, and strings near its rule. */
const FORMATTED_FIELDS: ReadonlyArray<readonly [string, Path, fc.Arbitrary<string>]> = [
  ['delivery.email (format: email)', ['delivery', 'email'], emailLike],
  ['date_created (format: date-time)', ['date_created'], dateTimeLike],
  [
    'delivery.phone',
    ['delivery', 'phone'],
    fc.oneof(
      fc.tuple(fc.constantFrom('', '+', '++'), over(DIGITS, 5, 17)).map(([plus, digits]) => `${plus}${digits}`),
      over(`${DIGITS}+ -`, 0, 17),
      fc.string({ maxLength: 17 }),
    ),
  ],
  ['payment.currency', ['payment', 'currency'], fc.oneof(over('ABCDUSZ', 3, 3), over('ABCUSDusd1', 0, 4), fc.string({ maxLength: 4 }))],
  ['order_uid', ['order_uid'], fc.oneof(over(`${LETTERS}${DIGITS}-_ .`, 0, 66), fc.string({ maxLength: 66 }))],
];

describe('formats and patterns: the JSON Schema accepts exactly the strings zod accepts', () => {
  const base = fakeOrder(createFaker(26), { minItems: 1, maxItems: 2 }) as unknown as Record<string, unknown>;

  it.each(FORMATTED_FIELDS)('%s', (_, path, strings) => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(strings, (value) => {
        const order = apply(base, { kind: 'set', path, value });
        const zod = validateOrder(order);
        const verdicts = { schema: schemaAccepts(order), fast: fastSchemaAccepts(order) };
        // zod may refuse alone only for a rule the schema names (a year 0000, an offset past ±15:59).
        const zodAlone = !zod.ok && zod.violations.every(isNamedRule);
        expect(verdicts, `${JSON.stringify(value)}: ${JSON.stringify(zod)}`).toEqual(
          zodAlone ? { schema: verdicts.schema, fast: verdicts.fast } : { schema: zod.ok, fast: zod.ok },
        );
        if (zodAlone) expect(verdicts.schema).toBe(verdicts.fast);
        seen[zod.ok ? 'accepted' : 'refused'] += 1;
      }),
      { numRuns: 2_000 },
    );
    // Both sides of the rule were exercised.
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it('refuses, in zod and in the schema alike, the addresses zod 4 would take by default but `format: email` forbids (a label ending in "-" or with "--" where IDNA reserves it, a local part past 64 characters)', () => {
    for (const email of [
      'a@b-.example',
      'a@-b.example',
      `a@${'b'.repeat(64)}.example`,
      'a@b.c0m',
      `${'a'.repeat(65)}@b.example`,
      'a@xn--80ak6aa92e.example',
    ]) {
      const order = apply(base, { kind: 'set', path: ['delivery', 'email'], value: email });
      expect([validateOrder(order).ok, schemaAccepts(order), fastSchemaAccepts(order)], email).toEqual([false, false, false]);
    }
    for (const email of [
      "o'neil+orders@mail-1.example.co",
      `${'a'.repeat(64)}@b.example`,
      `${'a'.repeat(31)}.${'b'.repeat(32)}@b.example`,
      'a@my-shop.abc--d.example',
    ]) {
      const order = apply(base, { kind: 'set', path: ['delivery', 'email'], value: email });
      expect([validateOrder(order).ok, schemaAccepts(order), fastSchemaAccepts(order)], email).toEqual([true, true, true]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { fakeOrders } from '../../local/tools/fake-orders.js';
import { validateOrder, type Violation } from '../../shared/order/validate.js';
import { clone, seedOrders } from '../support/fixtures.js';

// The tests mutate a fixture freely to break one rule at a time; `any` keeps each mutation a one-liner.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Draft = any;

const sample: Draft = seedOrders().find(({ file }) => file.includes('b563feb7b2b84b6test'))?.order;

function violationsOf(mutate: (order: Draft) => void): Violation[] {
  const order = clone(sample);
  mutate(order);
  const result = validateOrder(order);
  if (result.ok) throw new Error('expected the order to be rejected');
  return result.violations;
}

const paths = (violations: Violation[]) => violations.map((violation) => violation.path);

describe('validateOrder (the order contract)', () => {
  it.each(seedOrders().map(({ file, order }) => [file, order]))('accepts the seed sample %s', (_file, order) => {
    const result = validateOrder(order);
    expect(result.ok ? [] : result.violations).toEqual([]);
  });

  it('keeps a valid order exactly as sent (no defaults added, none dropped)', () => {
    for (const { order } of seedOrders()) {
      const result = validateOrder(order);
      expect(result.ok && result.order).toEqual(order);
    }
  });

  it('accepts 500 generated orders (the generator obeys the contract)', () => {
    const rejected = fakeOrders(500, 7)
      .map(validateOrder)
      .filter((result) => !result.ok);
    expect(rejected).toEqual([]);
  });

  it('accepts empty internal_signature and request_id, and their absence', () => {
    expect(validateOrder({ ...clone(sample), internal_signature: '' }).ok).toBe(true);
    const withoutOptional = clone(sample);
    delete withoutOptional.internal_signature;
    delete withoutOptional.payment.request_id;
    expect(validateOrder(withoutOptional).ok).toBe(true);
  });

  it.each([
    ['no items', (o: Draft) => (o.items = []), '$.items'],
    ['order_uid with a space', (o: Draft) => (o.order_uid = 'abc def'), '$.order_uid'],
    ['order_uid longer than 64', (o: Draft) => (o.order_uid = 'a'.repeat(65)), '$.order_uid'],
    ['empty order_uid', (o: Draft) => (o.order_uid = ''), '$.order_uid'],
    ['lower-case currency', (o: Draft) => (o.payment.currency = 'usd'), '$.payment.currency'],
    ['four-letter currency', (o: Draft) => (o.payment.currency = 'USDT'), '$.payment.currency'],
    ['bad email', (o: Draft) => (o.delivery.email = 'not-an-email'), '$.delivery.email'],
    ['bad phone', (o: Draft) => (o.delivery.phone = '12-34'), '$.delivery.phone'],
    ['negative price', (o: Draft) => (o.items[0].price = -1), '$.items[0].price'],
    ['fractional amount', (o: Draft) => (o.payment.amount = 1817.5), '$.payment.amount'],
    ['money as a string', (o: Draft) => (o.payment.custom_fee = '0'), '$.payment.custom_fee'],
    ['goods_total not the sum of items', (o: Draft) => (o.payment.goods_total = 318), '$.payment.goods_total'],
    ['amount not goods + delivery + fee', (o: Draft) => (o.payment.amount = 1818), '$.payment.amount'],
    ['date_created not RFC 3339', (o: Draft) => (o.date_created = '26.11.2021 06:22'), '$.date_created'],
    ['date_created without a zone', (o: Draft) => (o.date_created = '2021-11-26T06:22:19'), '$.date_created'],
    ['date_created on 30 February', (o: Draft) => (o.date_created = '2021-02-30T06:22:19Z'), '$.date_created'],
    ['missing delivery', (o: Draft) => delete o.delivery, '$.delivery'],
    ['missing item field', (o: Draft) => delete o.items[0].rid, '$.items[0].rid'],
    ['unknown field', (o: Draft) => (o.extra = 1), '$'],
    ['a NUL character in a name', (o: Draft) => (o.items[0].name = 'Mas\u0000caras'), '$.items[0].name'],
    ['a lone surrogate in a brand', (o: Draft) => (o.items[0].brand = 'Viv\ud800'), '$.items[0].brand'],
    ['an empty city', (o: Draft) => (o.delivery.city = ''), '$.delivery.city'],
    ['a text over 255 characters', (o: Draft) => (o.delivery.address = 'x'.repeat(256)), '$.delivery.address'],
  ])('rejects %s at the right path', (_name, mutate, path) => {
    expect(paths(violationsOf(mutate))).toContain(path);
  });

  it('reports every violation of an order at once, each with its path', () => {
    const violations = violationsOf((o) => {
      o.order_uid = 'bad uid!';
      o.delivery.email = 'nope';
      o.delivery.phone = 'call me';
      o.payment.currency = 'dollars';
      o.items[0].price = -5;
      o.payment.amount = 1;
      o.date_created = 'yesterday';
    });
    expect(paths(violations).sort()).toEqual(
      [
        '$.order_uid',
        '$.delivery.email',
        '$.delivery.phone',
        '$.payment.currency',
        '$.items[0].price',
        '$.payment.amount',
        '$.date_created',
      ].sort(),
    );
  });

  it('still checks the money rules when another field is invalid', () => {
    const violations = violationsOf((o) => {
      o.delivery.email = 'nope';
      o.payment.goods_total = 1;
    });
    expect(paths(violations)).toEqual(expect.arrayContaining(['$.delivery.email', '$.payment.goods_total', '$.payment.amount']));
  });

  it("counts unknown fields in the message without naming them (a field name is the sender's text: it can be personal data)", () => {
    const [violation] = violationsOf((o) => {
      o.delivery.fax = '123';
      (o.delivery as Record<string, unknown>)['Zelda Quix'] = 1;
    });
    expect(violation).toEqual({ path: '$.delivery', message: '2 unknown field(s) (names not shown)' });
  });

  it('rejects values that are not objects with a root violation', () => {
    for (const value of [null, 42, 'order', []]) {
      const result = validateOrder(value);
      expect(result.ok).toBe(false);
      expect(!result.ok && paths(result.violations)).toEqual(['$']);
    }
  });

  it.each(['0000-01-01T00:00:00Z', '0000-12-31T23:59:59+14:00', '2024-01-01T00:00:00+16:00', '2024-01-01T00:00:00-23:59'])(
    'refuses date_created %s, which PostgreSQL timestamptz refuses',
    (date) => {
      expect(paths(violationsOf((o) => (o.date_created = date)))).toEqual(['$.date_created']);
    },
  );

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2024-01-01T00:00:00+15:59', '2024-01-01T00:00:00-15:59'])(
    'accepts date_created %s',
    (date) => {
      const order = clone(sample);
      order.date_created = date;
      expect(validateOrder(order).ok).toBe(true);
    },
  );

  it.each([null, 5, 'x', []])('reports payment %j as a violation rather than throwing', (payment) => {
    expect(paths(violationsOf((o) => (o.payment = payment)))).toEqual(['$.payment']);
  });

  it('reports null items as violations rather than throwing', () => {
    expect(paths(violationsOf((o) => (o.items = [null])))).toContain('$.items[0]');
  });

  it('treats a "__proto__" key as an unknown field', () => {
    const order = JSON.parse(JSON.stringify(sample).replace('{', '{"__proto__":{"x":1},'));
    const result = validateOrder(order);
    expect(!result.ok && result.violations).toEqual([{ path: '$', message: '1 unknown field(s) (names not shown)' }]);
  });
});

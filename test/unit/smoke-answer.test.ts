import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeAnswer, differences } from '../../local/tools/smoke/answer.js';
import { smokeOrder } from '../../local/tools/smoke/checks.js';
import { validateOrder } from '../../shared/order/validate.js';

const headers = (values: Record<string, string> = {}) => new Headers({ 'content-type': 'application/json', ...values });

describe('describeAnswer', () => {
  it('reads RFC 9457 problem details: code, detail (or title), violations by path only', () => {
    const problem = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'the order breaks 2 rule(s) of the order contract',
      code: 'invalid_order',
      violations: [
        { path: '$.payment.amount', message: 'must equal the sum' },
        { path: '$.delivery.phone', message: 'got "+7 999 000"' },
      ],
    };
    expect(describeAnswer(400, headers({ 'content-type': 'application/problem+json' }), JSON.stringify(problem))).toBe(
      '400 invalid_order: the order breaks 2 rule(s) of the order contract (2 violation(s): $.payment.amount, $.delivery.phone)',
    );
    const notFound = JSON.stringify({ title: 'Not Found', status: 404, code: 'not_found' });
    expect(describeAnswer(404, headers(), notFound)).toBe('404 not_found: Not Found');
  });

  it('reads the older { error, message } shape', () => {
    expect(describeAnswer(503, headers(), JSON.stringify({ error: 'service_unavailable', message: 'the order could not be queued' }))).toBe(
      '503 service_unavailable: the order could not be queued',
    );
  });

  it("reads API Gateway's own answers with the reason from www-authenticate", () => {
    const challenge = 'Bearer scope="" error="invalid_token" error_description="the token has expired"';
    expect(describeAnswer(401, headers({ 'www-authenticate': challenge }), '{"message":"Unauthorized"}')).toBe(
      '401: Unauthorized (the token has expired)',
    );
    expect(describeAnswer(429, headers(), '{"message":"Too Many Requests"}')).toBe('429: Too Many Requests');
  });

  it('names the content type of a body that is not JSON, never its text', () => {
    const html = headers({ 'content-type': 'text/html; charset=utf-8' });
    expect(describeAnswer(502, html, '<html>Bad gateway for Jane Doe</html>')).toBe('502 (text/html)');
    expect(describeAnswer(200, headers(), '[1,2]')).toBe('200');
  });
});

describe('differences', () => {
  const json = fc.jsonValue();

  it('finds none between a value and its copy', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(differences(value, structuredClone(value))).toEqual([]);
      }),
    );
  });

  it('names the path of a changed, missing or extra field, never the values', () => {
    const order = smokeOrder();
    const stored = structuredClone(order) as unknown as Record<string, unknown> & typeof order;
    stored.items[0]!.price += 1;
    delete (stored.delivery as Partial<typeof order.delivery>).email;
    stored.extra = 'x';
    expect(differences(order, stored)).toEqual(['$.delivery.email (missing)', '$.items[0].price', '$.extra (not sent)']);
    expect(differences(order, { ...order, items: [] })).toEqual([`$.items (length 0, sent ${order.items.length})`]);
  });

  it('finds every generated change of one leaf', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.integer(), { minKeys: 1 }), (record) => {
        const [key] = Object.keys(record);
        expect(differences(record, { ...record, [key!]: record[key!]! + 1 })).toEqual([`$.${key}`]);
      }),
    );
  });
});

describe('smokeOrder', () => {
  it('is a valid order with a fresh smoke- order_uid each time', () => {
    const [first, second] = [smokeOrder(), smokeOrder()];
    expect(validateOrder(first)).toMatchObject({ ok: true });
    expect(first.order_uid).toMatch(/^smoke-[0-9a-f]{20}$/);
    expect(first.payment.transaction).toBe(first.order_uid);
    expect(second.order_uid).not.toBe(first.order_uid);
  });
});

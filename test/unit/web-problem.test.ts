import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problemText, readProblem } from '../../functions/api/web/browser/problem.js';

describe('reading an error answer (the page)', () => {
  it('reads RFC 9457 problem details with our code and violations', () => {
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Unprocessable order',
      status: 400,
      detail: 'the order breaks the contract',
      instance: '/orders',
      code: 'invalid_order',
      violations: [{ path: 'payment.amount', message: 'must equal goods_total + delivery_cost + custom_fee' }],
    });
    expect(readProblem(400, body)).toEqual({
      status: 400,
      code: 'invalid_order',
      title: 'Unprocessable order',
      detail: 'the order breaks the contract',
      violations: [{ path: 'payment.amount', message: 'must equal goods_total + delivery_cost + custom_fee' }],
    });
    expect(problemText(readProblem(400, body))).toBe('the order breaks the contract');
  });

  it('reads the older { error, message } body, flat or nested', () => {
    expect(readProblem(404, JSON.stringify({ error: 'not_found', message: 'no order with this order_uid' }))).toEqual({
      status: 404,
      code: 'not_found',
      detail: 'no order with this order_uid',
      violations: [],
    });
    const older = { error: { code: 'invalid_order', message: 'bad', violations: [{ path: 'items', message: 'empty' }] } };
    const nested = readProblem(400, JSON.stringify(older));
    expect(nested).toEqual({ status: 400, code: 'invalid_order', detail: 'bad', violations: [{ path: 'items', message: 'empty' }] });
  });

  it("falls back to the title, and keeps the HTTP status over the body's", () => {
    const problem = readProblem(503, JSON.stringify({ title: 'Service Unavailable', status: 200 }));
    expect(problem.status).toBe(503);
    expect(problemText(problem)).toBe('Service Unavailable');
  });

  it('reads anything else (HTML, empty, JSON that is not an object) as the status alone', () => {
    for (const body of ['', '<html>502 Bad Gateway</html>', '[1,2]', 'null', '"text"']) {
      expect(readProblem(502, body)).toEqual({ status: 502, violations: [] });
    }
    // API Gateway's own answers: {"message":"Unauthorized"}.
    expect(problemText(readProblem(401, '{"message":"Unauthorized"}'))).toBe('Unauthorized');
  });

  it('never throws and keeps only well-formed violations, whatever the body', () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify({ violations: value, detail: value })),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        const problem = readProblem(500, body);
        expect(problem.status).toBe(500);
        for (const violation of problem.violations) {
          expect(typeof violation.path).toBe('string');
          expect(typeof violation.message).toBe('string');
        }
        expect(['string', 'undefined']).toContain(typeof problemText(problem));
      }),
    );
  });
});

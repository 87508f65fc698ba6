import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { freePort } from '../../local/services/postgres.js';
import { METRIC } from '../../shared/metrics.js';
import { MAX_ORDER_BYTES } from '../../functions/submit/submit-order.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { clone, readFixture } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda.js';

/**
 * The submit function's whole middy stack (size limit, JSON body parser, error mapping) with the
 * broker pointed at a closed local port: every refusal happens before Kafka, and an unreachable
 * broker is a fast 503. Records actually reaching a real broker: test/e2e/submit-handler.test.ts.
 */
type Handler = (typeof import('../../functions/submit/handler.js'))['handler'];
let handler: Handler;

const order = () => clone(readFixture<Record<string, unknown>>('orders/seed-wildberries-b563feb7b2b84b6test.json'));

const event = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, isBase64Encoded = false) =>
  apiGatewayEvent({ method: 'POST', path: '/orders', body, headers, isBase64Encoded });

async function post(request: APIGatewayProxyEventV2) {
  const response = await handler(request as never, lambdaContext());
  return { ...response, json: JSON.parse(response.body ?? 'null') as Record<string, unknown> };
}

beforeAll(async () => {
  // Nothing listens on a port freePort() just released: connections are refused at once.
  vi.stubEnv('KAFKA_BROKERS', `127.0.0.1:${await freePort()}`);
  ({ handler } = await import('../../functions/submit/handler.js'));
});

afterAll(() => vi.unstubAllEnvs());

describe('submit handler without a reachable broker', () => {
  it('answers 503 with retry-after when the broker is unreachable, and again on the next request', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await post(event(JSON.stringify(order())));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(response.json).toEqual({ error: 'service_unavailable', message: expect.any(String) });
    }
  });

  it('answers 400 with every violation (path and message) for an invalid order', async () => {
    const invalid = order() as { order_uid: string; delivery: { email: string }; payment: { amount: number } };
    invalid.order_uid = 'not a uid!';
    invalid.delivery.email = 'nope';
    invalid.payment.amount += 1;
    const response = await post(event(JSON.stringify(invalid)));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toMatch(/^application\/json/);
    expect(response.json.error).toBe('invalid_order');
    const violations = response.json.violations as Array<{ path: string; message: string }>;
    expect(violations.map((violation) => violation.path).sort()).toEqual(['$.delivery.email', '$.order_uid', '$.payment.amount']);
    for (const violation of violations) expect(violation.message).not.toBe('');
  });

  it.each([
    ['text that is not JSON', 'order please'],
    ['truncated JSON', '{"order_uid": "abc"'],
    ['an empty body', ''],
    ['no body at all', undefined],
    ['a __proto__ key', '{"__proto__": {"admin": true}}'],
  ])('answers 400 invalid_json for %s', async (_case, body) => {
    const response = await post(event(body));
    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ error: 'invalid_json', message: expect.stringContaining('JSON') });
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', { 'content-type': '' }],
  ])('answers 415 for %s', async (_case, headers) => {
    const response = await post(event(JSON.stringify(order()), headers));
    expect(response.statusCode).toBe(415);
    expect(response.json).toEqual({ error: 'unsupported_media_type', message: expect.stringContaining('application/json') });
  });

  it('accepts a JSON content type with parameters', async () => {
    const response = await post(event(JSON.stringify({}), { 'content-type': 'application/json; charset=utf-8' }));
    expect(response.statusCode).toBe(400);
    expect(response.json.error).toBe('invalid_order');
  });

  it('answers 413 above 256 KB, before parsing (even for a body that is not JSON)', async () => {
    const tooLarge = 'x'.repeat(MAX_ORDER_BYTES + 1);
    const response = await post(event(tooLarge));
    expect(response.statusCode).toBe(413);
    expect(response.json).toEqual({ error: 'payload_too_large', message: expect.stringContaining(String(MAX_ORDER_BYTES)) });
  });

  it('measures a base64-encoded body by its decoded size', async () => {
    // 256 KB of JSON is ~341 KB as base64: measured decoded it is within the limit and gets parsed.
    const atLimit = JSON.stringify({ padding: 'x'.repeat(MAX_ORDER_BYTES - 14) });
    expect(Buffer.byteLength(atLimit)).toBe(MAX_ORDER_BYTES);
    const encoded = Buffer.from(atLimit).toString('base64');
    expect((await post(event(encoded, undefined, true))).statusCode).toBe(400);
    const over = Buffer.from(`${atLimit} `).toString('base64');
    expect((await post(event(over, undefined, true))).statusCode).toBe(413);
  });

  it('counts each outcome once under its metric: rejected, refused, broker unavailable', async () => {
    const counted = vi.spyOn(Metrics.prototype, 'addMetric');
    await post(event(JSON.stringify({})));
    await post(event('hello', { 'content-type': 'text/plain' }));
    await post(event(JSON.stringify(order())));
    expect(counted.mock.calls.map(([name]) => name)).toEqual([METRIC.OrdersRejected, METRIC.RequestsRefused, METRIC.BrokerUnavailable]);
    counted.mockRestore();
  });

  it('decodes a valid base64-encoded order and reaches the broker (503 here)', async () => {
    const encoded = Buffer.from(JSON.stringify(order())).toString('base64');
    expect((await post(event(encoded, undefined, true))).statusCode).toBe(503);
  });
});

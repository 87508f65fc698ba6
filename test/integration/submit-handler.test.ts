/**
 * The submit function's whole middy stack (size limit, JSON body parser, error mapping) with the
 * broker pointed at a closed local port: every refusal happens before Kafka, and an unreachable
 * broker is a fast 503. Records actually reaching a real broker: test/e2e/submit-handler.test.ts.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { freePort } from '../../local/services/postgres.js';
import { METRIC } from '../../shared/metrics.js';
import { MAX_ORDER_BYTES } from '../../functions/submit/submit-order.js';
import { createSubmitHandler, readSubmitConfig } from '../../functions/submit/submit-handler.js';
import { createObservability } from '../../shared/observability.js';
import { expectDocumented } from '../support/openapi.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { clone, readFixture } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda.js';

let handler: ReturnType<typeof createSubmitHandler>;

const order = () => clone(readFixture<Record<string, unknown>>('orders/seed-wildberries-b563feb7b2b84b6test.json'));

const event = (
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  isBase64Encoded = false,
) => apiGatewayEvent({ method: 'POST', path: '/orders', body, headers, isBase64Encoded });

/** Every response is checked against docs/openapi.json too. */
async function post(request: APIGatewayProxyEventV2) {
  const response = await handler(request as never, lambdaContext());
  expectDocumented('POST', '/orders', response);
  return { ...response, json: JSON.parse(response.body ?? 'null') as Record<string, unknown> };
}

beforeAll(async () => {
  // Nothing listens on a port freePort() just released: connections are refused at once.
  const config = readSubmitConfig({ KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
  handler = createSubmitHandler(config, { observability: createObservability('submit') });
});

describe('submit handler without a reachable broker', () => {
  it('answers 503 with retry-after when the broker is unreachable, and again on the next request', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await post(event(JSON.stringify(order())));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(response.json).toMatchObject({ status: 503, code: 'service_unavailable', detail: expect.any(String) });
    }
  });

  it('answers 400 with every violation (path and message) for an invalid order', async () => {
    const invalid = order() as { order_uid: string; delivery: { email: string }; payment: { amount: number } };
    invalid.order_uid = 'not a uid!';
    invalid.delivery.email = 'nope';
    invalid.payment.amount += 1;
    const response = await post(event(JSON.stringify(invalid)));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 400, code: 'invalid_order', title: 'The order breaks the order contract' });
    expect(response.json.instance).toBe('/orders');
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
    expect(response.json).toMatchObject({ code: 'invalid_json', detail: expect.stringContaining('JSON') });
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', { 'content-type': '' }],
  ])('answers 415 for %s', async (_case, headers) => {
    const response = await post(event(JSON.stringify(order()), headers));
    expect(response.statusCode).toBe(415);
    expect(response.json).toMatchObject({ code: 'unsupported_media_type', detail: expect.stringContaining('application/json') });
  });

  it('accepts a JSON content type with parameters', async () => {
    const response = await post(event(JSON.stringify({}), { 'content-type': 'application/json; charset=utf-8' }));
    expect(response.statusCode).toBe(400);
    expect(response.json.code).toBe('invalid_order');
  });

  it('answers 413 above 256 KB, before parsing (even for a body that is not JSON)', async () => {
    const tooLarge = 'x'.repeat(MAX_ORDER_BYTES + 1);
    const response = await post(event(tooLarge));
    expect(response.statusCode).toBe(413);
    expect(response.json).toMatchObject({ code: 'payload_too_large', detail: expect.stringContaining(String(MAX_ORDER_BYTES)) });
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

  describe('bytes that are not UTF-8 (ingest refuses them as undecodable: the order must not be queued)', () => {
    const inZurich = () => JSON.stringify({ ...order(), delivery: { ...(order().delivery as object), city: 'Café Zürich' } });
    const latin1 = () => Buffer.from(inZurich(), 'latin1');

    it('answers 400 invalid_encoding for a Latin-1 body (base64, as API Gateway passes bytes it does not take for text)', async () => {
      const response = await post(event(latin1().toString('base64'), undefined, true));
      expect(response.statusCode).toBe(400);
      expect(response.json).toMatchObject({ code: 'invalid_encoding', status: 400, title: 'The body is not UTF-8' });
    });

    it('answers 400 for a lone 0xFF byte inside an otherwise valid order', async () => {
      const text = Buffer.from(JSON.stringify(order()));
      const at = text.indexOf('"name"') + 8;
      const broken = Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at)]);
      expect((await post(event(broken.toString('base64'), undefined, true))).json).toMatchObject({ code: 'invalid_encoding' });
    });

    it('answers 400 for a text body that holds U+FFFD (what a lenient decoder made of such bytes)', async () => {
      const response = await post(event(latin1().toString('utf8')));
      expect(response.statusCode).toBe(400);
      expect(response.json.code).toBe('invalid_encoding');
    });

    it.each(['application/json; charset=latin1', 'application/json; charset="ISO-8859-1"', 'application/json;charset=windows-1252'])(
      'answers 415 for %s, whatever the bytes',
      async (contentType) => {
        const response = await post(event(JSON.stringify(order()), { 'content-type': contentType }));
        expect(response.statusCode).toBe(415);
        expect(response.json).toMatchObject({ code: 'unsupported_media_type', detail: expect.stringContaining('UTF-8') });
      },
    );

    it('still takes UTF-8 declared in any spelling, and Café Zürich as UTF-8 (503 here: it reaches the broker)', async () => {
      const utf8 = inZurich();
      for (const contentType of ['application/json; charset=UTF-8', 'application/json; charset=utf8', 'application/json']) {
        expect((await post(event(utf8, { 'content-type': contentType }))).statusCode).toBe(503);
      }
      expect((await post(event(Buffer.from(utf8).toString('base64'), undefined, true))).statusCode).toBe(503);
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../shared/http/errors.js';
import { bodyByteLength, bodySizeLimit, jsonBody } from '../../functions/submit/middleware.js';
import { apiGatewayEvent } from '../support/api-events.js';

/** Runs one middleware's `before` on a POST /orders with `body`, as middy would, and returns what it threw. */
async function refusal(middleware: { before?: (request: never) => unknown }, { headers, body }: { headers?: Record<string, string>; body: string }) {
  const event = apiGatewayEvent({ method: 'POST', path: '/orders', body, isBase64Encoded: false, ...(headers ? { headers } : {}) });
  const request = { event, context: {}, response: undefined, error: undefined, internal: {} };
  try {
    await middleware.before!(request as never);
    return { request, error: undefined };
  } catch (error) {
    return { request, error: error as ApiError };
  }
}

describe('jsonBody', () => {
  it('turns the parser refusals into typed errors: 415 for another content type, 400 invalid_json for a body that is not JSON', async () => {
    const wrongType = await refusal(jsonBody(), { headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.error).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    const notJson = await refusal(jsonBody(), { headers: { 'content-type': 'application/json' }, body: '{"delivery":{"name":"Test Testov"' });
    expect(notJson.error).toMatchObject({ statusCode: 400, code: 'invalid_json', message: expect.stringContaining('JSON') });
    expect(notJson.error!.message).not.toContain('Testov');
  });

  it('replaces the body text with its JSON value', async () => {
    const parsed = await refusal(jsonBody(), { headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(parsed.error).toBeUndefined();
    expect(parsed.request.event.body).toEqual({ a: 1 });
  });
});

describe('bodySizeLimit', () => {
  it('refuses a body above the limit with a typed 413 and lets one at the limit through', async () => {
    expect((await refusal(bodySizeLimit(4), { body: '12345' })).error).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    expect((await refusal(bodySizeLimit(4), { body: '1234' })).error).toBeUndefined();
  });
});

describe('bodyByteLength', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(bodyByteLength({ body: 'é€', isBase64Encoded: false })).toBe(5);
  });

  it('counts the decoded bytes of a base64 body', () => {
    const bytes = Buffer.from('{"a":"ü"}');
    expect(bodyByteLength({ body: bytes.toString('base64'), isBase64Encoded: true })).toBe(bytes.length);
  });

  it('counts a missing body as empty', () => {
    expect(bodyByteLength({ body: undefined, isBase64Encoded: false })).toBe(0);
  });
});

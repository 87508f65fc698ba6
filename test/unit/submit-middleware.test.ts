import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../shared/http/errors.js';
import fc from 'fast-check';
import { bodyByteLength, bodySizeLimit, declaredCharset, jsonBody, utf8Body } from '../../functions/submit/middleware.js';
import { apiGatewayEvent } from '../support/api-events.js';

/** Runs one middleware's `before` on a POST /orders with `body`, as middy would, and returns what it threw. */
async function refusal(
  middleware: { before?: (request: never) => unknown },
  { headers, body }: { headers?: Record<string, string>; body: string },
) {
  const event = apiGatewayEvent({ method: 'POST', path: '/orders', body, isBase64Encoded: false, ...(headers ? { headers } : {}) });
  const request = { event, context: {}, response: undefined, error: undefined, internal: {} };
  try {
    await middleware.before!(request as never);
    return { request, error: undefined };
  } catch (error) {
    return { request, error: error as ApiError };
  }
}

describe('utf8Body', () => {
  const base64 = (bytes: Buffer) => bytes.toString('base64');
  const run = async (body: string, isBase64Encoded: boolean, contentType = 'application/json') => {
    const event = apiGatewayEvent({ method: 'POST', path: '/orders', body, isBase64Encoded, headers: { 'content-type': contentType } });
    const request = { event, context: {}, response: undefined, error: undefined, internal: {} };
    try {
      await utf8Body().before!(request as never);
      return { event, error: undefined };
    } catch (error) {
      return { event, error: error as ApiError };
    }
  };

  it('reads the charset parameter in any spelling', () => {
    expect(declaredCharset('application/json')).toBeUndefined();
    expect(declaredCharset('application/json; charset=UTF-8')).toBe('utf-8');
    expect(declaredCharset('application/json;Charset="ISO-8859-1"; q=1')).toBe('iso-8859-1');
  });

  it('refuses Latin-1 bytes and a lone 0xFF as base64, and decodes UTF-8 into the text the parser reads', async () => {
    const refused = { statusCode: 400, code: 'invalid_encoding' };
    expect((await run(base64(Buffer.from('{"city":"Café Zürich"}', 'latin1')), true)).error).toMatchObject(refused);
    expect((await run(base64(Buffer.from([0x7b, 0xff, 0x7d])), true)).error).toMatchObject(refused);
    const ok = await run(base64(Buffer.from('{"city":"Café Zürich"}')), true);
    expect(ok.error).toBeUndefined();
    expect(ok.event).toMatchObject({ body: '{"city":"Café Zürich"}', isBase64Encoded: false });
  });

  it('refuses a declared charset other than UTF-8 with 415', async () => {
    const { error } = await run('{}', false, 'application/json; charset=latin1');
    expect(error).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    expect((await run('{}', false, 'application/json; charset=utf8')).error).toBeUndefined();
  });

  it('passes every well-formed UTF-8 text without U+FFFD, as text or base64, and refuses any byte string that is not UTF-8', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme' }).filter((text) => !text.includes('\uFFFD')),
        async (text) => {
          expect((await run(text, false)).error).toBeUndefined();
          expect((await run(Buffer.from(text).toString('base64'), true)).event.body).toBe(text);
        },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 40 }), async (bytes) => {
        const valid = (() => {
          try {
            new TextDecoder('utf-8', { fatal: true }).decode(bytes);
            return true;
          } catch {
            return false;
          }
        })();
        const { error } = await run(Buffer.from(bytes).toString('base64'), true);
        if (!valid) expect(error).toMatchObject({ code: 'invalid_encoding' });
      }),
    );
  });
});

describe('jsonBody', () => {
  it('turns the parser refusals into typed errors: 415 for another content type, 400 invalid_json for a body that is not JSON', async () => {
    const wrongType = await refusal(jsonBody(), { headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.error).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    const notJson = await refusal(jsonBody(), {
      headers: { 'content-type': 'application/json' },
      body: '{"delivery":{"name":"Test Testov"',
    });
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

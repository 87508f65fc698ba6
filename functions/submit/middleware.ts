import httpJsonBodyParser from '@middy/http-json-body-parser';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiError } from '../../shared/http/errors.js';

/** Size of the body as sent: a base64-encoded body is measured decoded, without decoding it. */
export function bodyByteLength(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): number {
  if (event.body === undefined || event.body === null) return 0;
  return Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** Refuses a body above `maxBytes` with 413 before anything parses it. Use it before the JSON parser. */
export function bodySizeLimit<TEvent extends Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>>(
  maxBytes: number,
): middy.MiddlewareObj<TEvent> {
  return {
    before: ({ event }) => {
      const size = bodyByteLength(event);
      if (size > maxBytes) throw apiError(413, 'payload_too_large', `the body is ${size} bytes; the limit is ${maxBytes} bytes`);
    },
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The `charset` parameter of a content type, lower-cased and unquoted; undefined when absent. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset')
      return value
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return undefined;
}

/**
 * Refuses a body that is not UTF-8 before anything parses it, as ingest refuses such a record: a
 * declared charset other than UTF-8 → 415; bytes that are not UTF-8 → 400 invalid_encoding. A
 * base64 body is decoded strictly (and handed on as text); a text body arrives already decoded,
 * so U+FFFD in it, what a lenient decoder leaves for bytes that were not UTF-8, is refused too.
 */
type BodyEvent = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>;

export function utf8Body<TEvent extends BodyEvent>(): middy.MiddlewareObj<TEvent> {
  return {
    before: ({ event }) => {
      const charset = declaredCharset(event.headers?.['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        throw apiError(415, 'unsupported_media_type', 'send the order as UTF-8: content-type: application/json (charset=utf-8, or none)');
      }
      if (event.body === undefined || event.body === null) return;
      let text = event.body;
      if (event.isBase64Encoded) {
        try {
          text = UTF8.decode(Buffer.from(event.body, 'base64'));
        } catch {
          throw apiError(400, 'invalid_encoding', 'the body is not UTF-8');
        }
      }
      if (text.includes('\uFFFD')) {
        throw apiError(400, 'invalid_encoding', 'the body is not UTF-8 (it holds U+FFFD, the mark of undecodable bytes)');
      }
      event.body = text;
      event.isBase64Encoded = false;
    },
  };
}

/**
 * @middy/http-json-body-parser, its refusals as the API's typed errors: another content type →
 * 415; a body that is not JSON (it says 422) → 400 invalid_json, since the request is malformed,
 * not merely unprocessable. The parser's message only: its `cause.data` holds the raw body, which
 * must not be logged or echoed.
 */
export function jsonBody<TEvent extends APIGatewayProxyEventV2>(): middy.MiddlewareObj<TEvent> {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      try {
        await parser.before!(request as never);
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status === 415) throw apiError(415, 'unsupported_media_type', 'send the order as content-type: application/json');
        if (status === 400 || status === 422)
          throw apiError(400, 'invalid_json', `the body could not be read as JSON: ${(error as Error).message}`);
        throw error;
      }
    },
  };
}

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
export function bodySizeLimit<TEvent extends Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>>(maxBytes: number): middy.MiddlewareObj<TEvent> {
  return {
    before: ({ event }) => {
      const size = bodyByteLength(event);
      if (size > maxBytes) throw apiError(413, 'payload_too_large', `the body is ${size} bytes; the limit is ${maxBytes} bytes`);
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
        if (status === 400 || status === 422) throw apiError(400, 'invalid_json', `the body could not be read as JSON: ${(error as Error).message}`);
        throw error;
      }
    },
  };
}

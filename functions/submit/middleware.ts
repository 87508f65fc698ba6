import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../../shared/http/http.js';
import type { Observability } from '../../shared/observability.js';
import { submitError } from './submit-order.js';

/** Thrown by `bodySizeLimit`; answered with 413. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly statusCode = 413;
}

/** Status of an error thrown by a middy HTTP middleware (`@middy/util`'s HttpError carries `statusCode`). */
function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

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
      if (size > maxBytes) throw new PayloadTooLargeError(`the body is ${size} bytes; the limit is ${maxBytes} bytes`);
    },
  };
}

/**
 * Turns what the middlewares throw into the API's JSON errors: @middy/http-json-body-parser answers
 * 415 for another content type and 422 for a body that is not JSON (we say 400: the request is
 * malformed, not merely unprocessable). Anything unexpected is logged and answered with a bare 500.
 * It sets the response and lets the other onError middlewares (metrics, logger) still run.
 */
export function httpErrorResponses<TEvent>({ logger, metrics }: Observability): middy.MiddlewareObj<TEvent, HttpResponse> {
  return {
    onError: (request) => {
      const { error } = request;
      const status = httpStatusOf(error);
      if (status === 415) {
        request.response = submitError(415, 'unsupported_media_type', 'send the order as content-type: application/json');
      } else if (error instanceof PayloadTooLargeError) {
        request.response = submitError(413, 'payload_too_large', error.message);
      } else if (status === 422) {
        // The parser's message only; its `cause.data` holds the raw body, which must not be logged or echoed.
        request.response = submitError(400, 'invalid_json', `the body could not be read as JSON: ${(error as Error).message}`);
      } else {
        logger.error('unexpected error while submitting an order', { error: describe(error) });
        request.response = submitError(500, 'internal_error', 'internal error');
      }
      metrics.addMetric(request.response.statusCode >= 500 ? 'InternalErrors' : 'RequestsRefused', MetricUnit.Count, 1);
    },
  };
}

/** Name and message only: a stack or cause could carry the request body. */
function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown', message: String(error) };
}

import type middy from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import type { HttpResponse } from '../../shared/http/http.js';
import { createObservability } from '../../shared/observability.js';
import { httpErrorResponses, PayloadTooLargeError } from '../../functions/submit/middleware.js';

/** Runs the error mapper on one thrown error, as middy would, and returns the response it set. */
function mapError(error: unknown) {
  const observability = createObservability('submit-test');
  const logged = vi.spyOn(observability.logger, 'error').mockImplementation(() => undefined);
  const request = { event: {}, context: {}, response: undefined, error, internal: {} } as unknown as middy.Request<unknown, HttpResponse>;
  void httpErrorResponses<unknown>(observability).onError!(request);
  return { response: request.response as HttpResponse, logged };
}

/** What @middy/util's createError builds: an Error with statusCode, and the raw body in `cause.data`. */
const middyError = (statusCode: number, message: string) =>
  Object.assign(new Error(message, { cause: { data: '{"delivery":{"name":"Test Testov"' } }), { statusCode });

describe('httpErrorResponses', () => {
  it('maps the body parser errors and the size limit to JSON errors', () => {
    expect(mapError(middyError(415, 'Unsupported Media Type')).response.statusCode).toBe(415);
    expect(mapError(new PayloadTooLargeError('too big')).response.statusCode).toBe(413);
    const notJson = mapError(middyError(422, 'Invalid or malformed JSON was provided')).response;
    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body!)).toEqual({ error: 'invalid_json', message: expect.any(String) });
    expect(notJson.body).not.toContain('Testov');
  });

  it('answers anything else with a bare 500 and logs only its name and message', () => {
    const { response, logged } = mapError(Object.assign(new Error('boom'), { cause: { body: 'Test Testov' } }));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal_error', message: 'internal error' });
    expect(logged).toHaveBeenCalledWith('unexpected error while submitting an order', { error: { name: 'Error', message: 'boom' } });
  });
});

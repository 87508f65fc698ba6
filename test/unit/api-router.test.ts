import { describe, expect, it } from 'vitest';
import { API_ROUTE_KEYS, dispatch, type Operations } from '../../functions/api/router.js';
import { type ApiError } from '../../shared/http/errors.js';
import { json } from '../../shared/http/http.js';
import { apiGatewayEvent } from '../support/api-events.js';

const event = (method: string, path: string) => apiGatewayEvent({ method, path });

const operations: Operations = {
  'GET /orders/{order_uid}': ({ params }) => json(200, { id: params.order_uid }),
  'GET /health': () => json(200, { status: 'ok' }),
};

const thrown = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ApiError);

describe('dispatch', () => {
  it('calls the operation of the route the shared table selects, with its path parameters', async () => {
    const response = await dispatch(operations, event('GET', '/orders/42'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ id: '42' });
  });

  it('treats HEAD as GET', async () => {
    expect((await dispatch(operations, event('HEAD', '/health'))).statusCode).toBe(200);
  });

  it('keeps a path segment that is not valid percent-encoding as sent', async () => {
    const response = await dispatch(operations, event('GET', '/orders/%E0%A4%A'));
    expect(JSON.parse(response.body!)).toEqual({ id: '%E0%A4%A' });
  });

  it('throws a 404 error for a path no route declares', async () => {
    const error = await thrown(dispatch(operations, event('GET', '/nope')));
    expect(error).toMatchObject({ statusCode: 404, code: 'not_found', message: 'no route for /nope' });
  });

  it('throws a 405 error with allow for a declared path and another method, also for the submit route', async () => {
    const wrongMethod = await thrown(dispatch(operations, event('PATCH', '/orders/1')));
    expect(wrongMethod).toMatchObject({ statusCode: 405, code: 'method_not_allowed', headers: { allow: 'GET' } });
    // POST /orders belongs to the submit function: the read function only allows GET there.
    const post = await thrown(dispatch(operations, event('POST', '/orders')));
    expect(post).toMatchObject({ statusCode: 405, headers: { allow: 'GET' } });
  });

  it('knows every read route of the shared table', () => {
    expect(API_ROUTE_KEYS).toEqual(['GET /', 'GET /app.js', 'GET /app.css', 'GET /health', 'GET /auth/config', 'GET /orders', 'GET /orders/{order_uid}', 'GET /cache/stats']);
  });
});

import { describe, expect, it } from 'vitest';
import { API_ROUTE_KEYS, type ApiRouteKey, dispatch, type Operations } from '../../functions/api/router.js';
import type { ApiError } from '../../shared/http/errors.js';
import { json } from '../../shared/http/http.js';
import { apiGatewayEvent } from '../support/api-events.js';

const event = (method: string, path: string) => apiGatewayEvent({ method, path });

/** Every read route answers its own key, so a test sees which operation ran. */
const operations = Object.fromEntries(
  API_ROUTE_KEYS.map((key) => [key, ({ params }: { params: Readonly<Record<string, string>> }) => json(200, { key, ...params })]),
) as unknown as Operations;

const thrown = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as ApiError,
  );
const answered = async (method: string, path: string) =>
  JSON.parse((await dispatch(operations, event(method, path))).body!) as Record<string, string>;

describe('dispatch', () => {
  it('calls the operation of the route the shared table selects, with its path parameters', async () => {
    expect(await answered('GET', '/orders/42')).toEqual({ key: 'GET /orders/{order_uid}', order_uid: '42' });
  });

  it('keeps a path segment that is not valid percent-encoding as sent', async () => {
    expect((await answered('GET', '/orders/%E0%A4%A')).order_uid).toBe('%E0%A4%A');
  });

  it('answers HEAD as GET without a body where $default (the read scope) covers the GET route', async () => {
    for (const path of ['/health', '/orders', '/orders/42', '/']) {
      const response = await dispatch(operations, event('HEAD', path));
      expect(response.statusCode, path).toBe(200);
      expect(response.body, path).toBe('');
    }
  });

  it('refuses HEAD on the admin route: a read-only token reaching it through $default must not run it', async () => {
    const error = await thrown(dispatch(operations, event('HEAD', '/cache/stats')));
    expect(error).toMatchObject({ statusCode: 405, code: 'method_not_allowed', headers: { allow: 'GET' } });
  });

  it('throws a 404 error for a path no route declares', async () => {
    const error = await thrown(dispatch(operations, event('GET', '/nope')));
    expect(error).toMatchObject({ statusCode: 404, code: 'not_found', message: 'no route for /nope' });
  });

  it('throws a 405 error whose allow lists every method the API serves at the path, whichever function answers it', async () => {
    const wrongMethod = await thrown(dispatch(operations, event('PATCH', '/orders/1')));
    expect(wrongMethod).toMatchObject({ statusCode: 405, code: 'method_not_allowed', headers: { allow: 'GET, HEAD' } });
    // POST /orders is the submit function's: the read function does not run it, but the API serves it there.
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const refused = await thrown(dispatch(operations, event(method, '/orders')));
      expect(refused, method).toMatchObject({ statusCode: 405, headers: { allow: 'GET, HEAD, POST' } });
    }
  });

  it('knows every read route of the shared table', () => {
    expect(API_ROUTE_KEYS).toEqual([
      'GET /',
      'GET /app.js',
      'GET /app.css',
      'GET /health',
      'GET /openapi.json',
      'GET /auth/config',
      'GET /orders',
      'GET /orders/{order_uid}',
      'GET /cache/stats',
    ]);
  });

  it('types route keys from the table: a mistyped key does not compile', () => {
    const known: ApiRouteKey = 'GET /orders/{order_uid}';
    // @ts-expect-error: no such route (`/order/` for `/orders/`); `npm run typecheck` fails if this compiles
    const mistyped: ApiRouteKey = 'GET /order/{order_uid}';
    // @ts-expect-error: POST /orders is the submit function's, not an operation of the read function
    const other: ApiRouteKey = 'POST /orders';
    expect([known, mistyped, other]).toHaveLength(3);
  });
});

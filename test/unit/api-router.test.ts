import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { isDatabaseUnavailable, json } from '../../shared/http/http.js';
import { dispatch, type Route } from '../../functions/api/router.js';
import { clone, readFixture } from '../support/fixtures.js';

function event(method: string, path: string): APIGatewayProxyEventV2 {
  const base = clone(readFixture<APIGatewayProxyEventV2>('events/api-gateway-v2-get-order.json'));
  base.rawPath = path;
  base.requestContext.http.method = method;
  return base;
}

const failWith = (error: unknown) => () => {
  throw error;
};

const routes: Route[] = [
  { pattern: /^\/things\/([^/]+)$/, methods: { GET: ([id]) => json(200, { id }) } },
  { pattern: /^\/outage$/, methods: { GET: failWith(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) } },
  { pattern: /^\/bug$/, methods: { GET: failWith(Object.assign(new Error('column "secret" does not exist'), { code: '42703' })) } },
];

describe('dispatch', () => {
  it('calls the matching route with the path parameters', async () => {
    const response = await dispatch(routes, event('GET', '/things/42'), vi.fn());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ id: '42' });
  });

  it('treats HEAD as GET', async () => {
    expect((await dispatch(routes, event('HEAD', '/things/1'), vi.fn())).statusCode).toBe(200);
  });

  it('answers 404 for an unknown path and 405 with allow for another method', async () => {
    expect((await dispatch(routes, event('GET', '/nope'), vi.fn())).statusCode).toBe(404);
    const wrongMethod = await dispatch(routes, event('PATCH', '/things/1'), vi.fn());
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  it('maps a database outage to 503 and a bug to 500, reporting the error but never sending it', async () => {
    const report = vi.fn();
    const outage = await dispatch(routes, event('GET', '/outage'), report);
    const bug = await dispatch(routes, event('GET', '/bug'), report);

    expect(outage.statusCode).toBe(503);
    expect(outage.headers['retry-after']).toBe('5');
    expect(bug.statusCode).toBe(500);
    expect(JSON.parse(bug.body!)).toEqual({ error: 'internal_error', message: 'internal error' });
    expect(`${outage.body}${bug.body}`).not.toMatch(/ECONNREFUSED|column|secret|stack/);
    expect(report.mock.calls.map(([, status]) => status)).toEqual([503, 500]);
  });
});

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '08006' }, true],
    [{ code: '53300', message: 'too many connections' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [{ code: '42P01', message: 'relation "orders" does not exist' }, false],
    [new TypeError('x is undefined'), false],
  ])('%o → %s', (error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});

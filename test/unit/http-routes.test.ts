import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE, headServes, matchRoute, ROUTES, type RouteSpec, routeMatcher } from '../../shared/http/routes.js';

const spec = (method: RouteSpec['method'], path: string): RouteSpec => ({
  key: `${method} ${path}`,
  method,
  path,
  function: 'api',
  auth: { kind: 'public' },
});

describe('routeMatcher (API Gateway HTTP API route selection)', () => {
  it('prefers an exact route declared after /orders/{order_uid}, and still matches the variable for other ids', () => {
    const { matchRoute: match } = routeMatcher([spec('GET', '/orders/{order_uid}'), spec('GET', '/orders/recent')]);
    expect(match('GET', '/orders/recent')).toEqual({ route: expect.objectContaining({ key: 'GET /orders/recent' }), params: {} });
    expect(match('GET', '/orders/42')).toMatchObject({ route: { key: 'GET /orders/{order_uid}' }, params: { order_uid: '42' } });
  });

  it('prefers the literal segment at the first place two variable routes differ', () => {
    const { matchRoute: match } = routeMatcher([spec('GET', '/a/{x}/c'), spec('GET', '/a/b/{y}')]);
    expect(match('GET', '/a/b/c').route.key).toBe('GET /a/b/{y}');
  });

  it('takes a greedy path variable only when no full match exists, then $default', () => {
    const { matchRoute: match } = routeMatcher([spec('GET', '/pets/{proxy+}'), spec('GET', '/pets/dog/{id}'), spec('GET', '/pets/dog/1')]);
    expect(match('GET', '/pets/dog/1').route.key).toBe('GET /pets/dog/1');
    expect(match('GET', '/pets/dog/2')).toMatchObject({ route: { key: 'GET /pets/dog/{id}' }, params: { id: '2' } });
    expect(match('GET', '/pets/cat/1')).toMatchObject({ route: { key: 'GET /pets/{proxy+}' }, params: { proxy: 'cat/1' } });
    expect(match('GET', '/pets').route).toBe(DEFAULT_ROUTE);
  });

  it('prefers a route of the request method over ANY on the same path', () => {
    const { matchRoute: match } = routeMatcher([spec('ANY', '/x'), spec('GET', '/x')]);
    expect(match('GET', '/x').route.key).toBe('GET /x');
    expect(match('DELETE', '/x').route.key).toBe('ANY /x');
  });
});

describe('HEAD', () => {
  it('selects $default, as API Gateway does for a route declared as GET only', () => {
    expect(matchRoute('HEAD', '/cache/stats').route).toBe(DEFAULT_ROUTE);
    expect(matchRoute('HEAD', '/').route).toBe(DEFAULT_ROUTE);
  });

  it("is served only where $default's authorization covers the GET route", () => {
    const served = ROUTES.filter(headServes).map((route) => route.key);
    expect(served).toContain('GET /orders/{order_uid}');
    expect(served).toContain('GET /');
    expect(served).not.toContain('GET /cache/stats');
    expect(served).not.toContain('POST /orders');
  });
});

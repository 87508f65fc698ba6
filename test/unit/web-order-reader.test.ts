import { describe, expect, it } from 'vitest';
import { createOrderReader, type Fetch } from '../../functions/api/web/browser/order-reader.js';

/** A stand-in for GET /orders/{uid}: strong ETags, 304 on a matching If-None-Match (as issue 20 specifies it). */
function api({ etags = true } = {}) {
  const bodies = new Map([
    ['a', '{"order_uid":"a"}'],
    ['b', '{"order_uid":"b"}'],
    ['c', '{"order_uid":"c"}'],
  ]);
  const seen: Array<{ path: string; ifNoneMatch: string | null; cache: RequestInit['cache'] }> = [];
  const fetchOrder: Fetch = async (path, init) => {
    const headers = new Headers(init.headers);
    seen.push({ path, ifNoneMatch: headers.get('if-none-match'), cache: init.cache });
    const uid = decodeURIComponent(path.slice('/orders/'.length));
    const body = bodies.get(uid);
    if (!body) {
      return new Response(JSON.stringify({ title: 'Not Found', status: 404, code: 'not_found', detail: 'no such order' }), {
        status: 404,
        headers: { 'content-type': 'application/problem+json' },
      });
    }
    const etag = `"${uid}-v1"`;
    const common = { 'x-cache': seen.filter((s) => s.path === path).length > 1 ? 'hit' : 'miss', ...(etags ? { etag } : {}) };
    if (etags && headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: common });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json', ...common } });
  };
  return { fetchOrder, seen };
}

describe('order reader (conditional GET)', () => {
  it('asks again with the ETag it was given and shows the kept body on 304', async () => {
    const { fetchOrder, seen } = api();
    const read = createOrderReader(fetchOrder);
    expect(await read('a')).toEqual({ ok: true, body: '{"order_uid":"a"}', cache: 'miss', timing: null, notModified: false });
    expect(await read('a')).toEqual({ ok: true, body: '{"order_uid":"a"}', cache: 'hit', timing: null, notModified: true });
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([null, '"a-v1"']);
    // The browser's cache stays out of it: the page shows what the API did.
    expect(seen.every((s) => s.cache === 'no-store')).toBe(true);
  });

  it('sends no If-None-Match when the server sent no ETag', async () => {
    const { fetchOrder, seen } = api({ etags: false });
    const read = createOrderReader(fetchOrder);
    await read('a');
    expect(await read('a')).toMatchObject({ ok: true, notModified: false, body: '{"order_uid":"a"}' });
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([null, null]);
  });

  it('keeps at most `keep` orders, dropping the one shown longest ago', async () => {
    const { fetchOrder, seen } = api();
    const read = createOrderReader(fetchOrder, 2);
    await read('a');
    await read('b');
    await read('a'); // a is now the most recent
    await read('c'); // drops b
    await read('b');
    await read('a');
    expect(seen.map((s) => `${s.path} ${s.ifNoneMatch ?? '-'}`)).toEqual([
      '/orders/a -',
      '/orders/b -',
      '/orders/a "a-v1"',
      '/orders/c -',
      '/orders/b -',
      '/orders/a -',
    ]);
  });

  it('reads an error as a problem, and a 304 it did not ask for as one too', async () => {
    const { fetchOrder } = api();
    const read = createOrderReader(fetchOrder);
    expect(await read('zzz')).toEqual({
      ok: false,
      problem: { status: 404, code: 'not_found', title: 'Not Found', detail: 'no such order', violations: [] },
    });
    const stray = createOrderReader(async () => new Response(null, { status: 304 }));
    expect(await stray('a')).toEqual({ ok: false, problem: { status: 304, violations: [] } });
  });
});

/**
 * GET /orders/{order_uid} with conditional GET. Orders never change once stored, so the page keeps the body and ETag
 * of the last orders it has shown (in memory, at most `keep`) and asks with `If-None-Match`; a 304 shows the kept
 * body. No DOM: `fetchOrder` is the page's authorized fetch (test/unit/web-order-reader.test.ts passes its own).
 */
import { type Problem, readProblem } from './problem.js';

export type Fetch = (path: string, init: RequestInit) => Promise<Response>;

export type OrderAnswer =
  | { ok: true; body: string; cache: string | null; timing: string | null; notModified: boolean }
  | { ok: false; problem: Problem };

interface Kept {
  etag: string;
  body: string;
}

export function createOrderReader(fetchOrder: Fetch, keep = 20): (uid: string) => Promise<OrderAnswer> {
  const kept = new Map<string, Kept>();
  const remember = (uid: string, entry: Kept) => {
    kept.delete(uid);
    kept.set(uid, entry);
    for (const oldest of kept.keys()) {
      if (kept.size <= keep) break;
      kept.delete(oldest);
    }
  };
  return async (uid) => {
    const known = kept.get(uid);
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (known) headers['if-none-match'] = known.etag;
    // no-store: the page shows what the API's cache did, not the browser's; the revalidation is this module's.
    const response = await fetchOrder(`/orders/${encodeURIComponent(uid)}`, { headers, cache: 'no-store' });
    const cache = response.headers.get('x-cache');
    const timing = response.headers.get('server-timing');
    if (response.status === 304 && known) {
      remember(uid, known);
      return { ok: true, body: known.body, cache, timing, notModified: true };
    }
    const body = await response.text();
    if (response.status !== 200) return { ok: false, problem: readProblem(response.status, body) };
    const etag = response.headers.get('etag');
    if (etag) remember(uid, { etag, body });
    else kept.delete(uid);
    return { ok: true, body, cache, timing, notModified: false };
  };
}

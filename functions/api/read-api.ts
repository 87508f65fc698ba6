import { databaseIsReachable, findOrderJson, listOrderSummaries } from '../../shared/db/orders.js';
import { ORDER_UID_PATTERN } from '../../shared/order/order-uid.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { errorResponse, IMMUTABLE, json, jsonText, type HttpResponse } from '../../shared/http/http.js';
import { cacheConfigFromEnv, OrderCache } from './order-cache.js';

/** The read API's operations, each returning a complete HTTP response. */

let containerCache: OrderCache | undefined;

/** The container's order cache, created on first use from the environment (CACHE_* variables). */
export function orderCache(): OrderCache {
  containerCache ??= new OrderCache(cacheConfigFromEnv(), findOrderJson);
  return containerCache;
}

/** Tests and benchmarks: forget the cache (the next call builds a new one from the environment). */
export function resetOrderCache(): void {
  containerCache = undefined;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const LIMIT_PATTERN = /^[0-9]{1,3}$/;

export async function getOrder(orderUid: string): Promise<HttpResponse> {
  const started = performance.now();
  if (!ORDER_UID_PATTERN.test(orderUid)) {
    return errorResponse(400, 'invalid_order_uid', 'order_uid must be 1-64 letters, digits, "-" or "_"');
  }
  const found = await orderCache().get(orderUid);
  const took = (performance.now() - started).toFixed(3);
  if (!found) {
    return errorResponse(404, 'not_found', `no order with order_uid "${orderUid}"`, {
      'x-cache': 'miss',
      'server-timing': `db;desc="miss";dur=${took}`,
    });
  }
  return jsonText(200, found.json, {
    'cache-control': IMMUTABLE,
    'x-cache': found.cache,
    'server-timing': found.cache === 'hit' ? `cache;desc="hit";dur=${took}` : `db;desc="miss";dur=${took}`,
  });
}

export async function listOrders(query: Record<string, string | undefined>): Promise<HttpResponse> {
  const { limit: rawLimit, cursor } = query;
  const limit = rawLimit === undefined ? DEFAULT_PAGE_SIZE : LIMIT_PATTERN.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    return errorResponse(400, 'bad_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  let afterId: string | undefined;
  try {
    afterId = cursor === undefined ? undefined : decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) return errorResponse(400, 'bad_request', 'cursor is malformed: pass next_cursor back unchanged');
    throw error;
  }
  // One row more than a page says whether another page follows.
  const rows = await listOrderSummaries(limit + 1, afterId);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return json(200, {
    orders: page.map(({ id: _internalId, ...summary }) => summary),
    next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  });
}

export async function health(): Promise<HttpResponse> {
  if (await databaseIsReachable()) return json(200, { status: 'ok', database: 'reachable' });
  return json(503, {
    status: 'unavailable',
    database: 'unreachable',
    error: 'service_unavailable',
    message: 'the database cannot be reached; cached orders are still served',
  });
}

export function cacheStats(): HttpResponse {
  return json(200, orderCache().stats());
}

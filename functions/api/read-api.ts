import { databaseIsReachable, findOrderJson, listOrderSummaries, type OrderSummary } from '../../shared/db/orders.js';
import { apiError } from '../../shared/http/errors.js';
import { ORDER_UID_PATTERN } from '../../shared/order/order-uid.js';
import { isDatabaseUnavailable } from '../../shared/db/errors.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { type CachedRead, cacheConfigFromEnv, OrderCache, type OrderCacheStats } from './order-cache.js';

/** The read API's operations: each returns data or throws an ApiError (shared/http/errors.ts). */

/** Seconds a client waits before retrying after a database outage. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** A database outage as the API's 503; any other failure passes through (a bug: 500). */
async function fromDatabase<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    throw apiError(503, 'service_unavailable', 'the database is unavailable; try again shortly', {
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      cause: error,
    });
  }
}

let containerCache: OrderCache | undefined;

/** The container's order cache, created on first use from the environment (CACHE_* variables). */
function orderCache(): OrderCache {
  containerCache ??= new OrderCache(cacheConfigFromEnv(), (orderUid) => fromDatabase(findOrderJson(orderUid)));
  return containerCache;
}

/** Tests and benchmarks: forget the cache (the next call builds a new one from the environment). */
export function resetOrderCache(): void {
  containerCache = undefined;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const LIMIT_PATTERN = /^[0-9]{1,3}$/;

/** The order's canonical JSON and whether the cache had it; 400 for a malformed id, 404 if unknown. */
export async function getOrder(orderUid: string): Promise<CachedRead> {
  if (!ORDER_UID_PATTERN.test(orderUid)) {
    throw apiError(400, 'invalid_order_uid', 'order_uid must be 1-64 letters, digits, "-" or "_"');
  }
  const found = await orderCache().get(orderUid);
  if (!found) throw apiError(404, 'not_found', `no order with order_uid "${orderUid}"`);
  return found;
}

export interface OrderPage {
  orders: Array<Omit<OrderSummary, 'id'>>;
  next_cursor: string | null;
}

export async function listOrders(query: Readonly<Record<string, string | undefined>>): Promise<OrderPage> {
  const { limit: rawLimit, cursor } = query;
  const limit = rawLimit === undefined ? DEFAULT_PAGE_SIZE : LIMIT_PATTERN.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw apiError(400, 'bad_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const afterId = cursor === undefined ? undefined : cursorPosition(cursor);
  // One row more than a page says whether another page follows.
  const rows = await fromDatabase(listOrderSummaries(limit + 1, afterId));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    orders: page.map(({ id: _internalId, ...summary }) => summary),
    next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}

function cursorPosition(cursor: string): string {
  try {
    return decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw apiError(400, 'bad_request', 'cursor is malformed: pass next_cursor back unchanged');
    throw error;
  }
}

/** Whether the database answers; never throws for an outage (health reports it). */
export async function health(): Promise<{ reachable: boolean }> {
  return { reachable: await databaseIsReachable() };
}

export function cacheStats(): OrderCacheStats {
  return orderCache().stats();
}

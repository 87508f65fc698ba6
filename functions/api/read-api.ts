// The read API's operations (`createReadApi`): each returns data or throws an ApiError (shared/http/errors.ts).
import type { OrderReader, OrderSummary } from '../../shared/db/orders.js';
import { apiError } from '../../shared/http/errors.js';
import { ORDER_UID_PATTERN } from '../../shared/order/order-uid.js';
import { classifyError } from '../../shared/db/errors.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../shared/http/cursor.js';
import { type CachedRead, OrderCache, type OrderCacheConfig, type OrderCacheStats } from './order-cache.js';

/** Seconds a client waits before retrying after a database outage. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * A read worth repeating once, at once: its session was terminated by the server (57P01
 * admin_shutdown: a password rotation or a failover ends the sessions), the connection ended
 * under it (pg's own errors: plain `Error`s without a code), or the login was refused (28P01:
 * the pool has re-read the secret by then, shared/db/pool.ts). Not a server that refuses
 * connections or is too busy (a system error code, other SQLSTATEs), nor a secret that could not
 * be read (the SDK has retried that already): repeating would only add load and delay.
 */
function worthRepeating(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '57P01' || classifyError(error) === 'credentials') return true;
  return error instanceof Error && Object.getPrototypeOf(error) === Error.prototype && code === undefined;
}

/**
 * Runs `read`, once more if its first failure is worth repeating; a database that still cannot
 * serve it (unavailable, or a login refused mid-rotation) is the API's 503 with Retry-After; any
 * other failure passes through (a bug: 500).
 */
async function fromDatabase<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read().catch((error: unknown) => {
      if (!worthRepeating(error)) throw error;
      return read();
    });
  } catch (error) {
    const kind = classifyError(error);
    if (kind !== 'unavailable' && kind !== 'credentials') throw error;
    throw apiError(503, 'service_unavailable', 'the database is unavailable; try again shortly', {
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      cause: error,
    });
  }
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const LIMIT_PATTERN = /^[0-9]{1,3}$/;

export interface OrderPage {
  orders: Array<Omit<OrderSummary, 'id'>>;
  next_cursor: string | null;
}

export interface ReadApi {
  /** The order's canonical JSON, its ETag and whether the cache had it; 400 for a malformed id, 404 if unknown. */
  getOrder(orderUid: string): Promise<CachedRead>;
  listOrders(query: Readonly<Record<string, string | undefined>>): Promise<OrderPage>;
  /** Whether the database answers; never throws for an outage (health reports it). */
  health(): Promise<{ reachable: boolean }>;
  cacheStats(): OrderCacheStats;
}

/** The read API of one function instance: its own cache in front of `reader` (its own pool). */
export function createReadApi(cacheConfig: OrderCacheConfig, reader: OrderReader): ReadApi {
  const cache = new OrderCache(cacheConfig, (orderUid) => fromDatabase(() => reader.findStoredOrder(orderUid)));
  return {
    async getOrder(orderUid) {
      if (!ORDER_UID_PATTERN.test(orderUid)) {
        throw apiError(400, 'invalid_order_uid', 'order_uid must be 1-64 letters, digits, "-" or "_"');
      }
      const found = await cache.get(orderUid);
      if (!found) throw apiError(404, 'not_found', `no order with order_uid "${orderUid}"`);
      return found;
    },
    listOrders: (query) => listOrders(reader, query),
    health: async () => ({ reachable: await reader.isReachable() }),
    cacheStats: () => cache.stats(),
  };
}

async function listOrders(reader: OrderReader, query: Readonly<Record<string, string | undefined>>): Promise<OrderPage> {
  const { limit: rawLimit, cursor } = query;
  const limit = rawLimit === undefined ? DEFAULT_PAGE_SIZE : LIMIT_PATTERN.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw apiError(400, 'bad_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const afterId = cursor === undefined ? undefined : cursorPosition(cursor);
  // One row more than a page says whether another page follows.
  const rows = await fromDatabase(() => reader.listOrderSummaries(limit + 1, afterId));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    orders: page.map(({ id: _internalId, ...summary }) => summary),
    next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}

function cursorPosition(cursor: string): string | undefined {
  try {
    return decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw apiError(400, 'bad_request', 'cursor is malformed: pass next_cursor back unchanged');
    throw error;
  }
}

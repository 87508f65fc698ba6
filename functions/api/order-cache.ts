/**
 * The per-container warm cache of canonical order JSON (module scope: it lives as long as the
 * Lambda container, empty at cold start, filled lazily). Orders are immutable once stored
 * (first write wins), so entries are never invalidated; least-recently-used entries are evicted
 * when the entry or byte bound is reached. The cached value is the JSON text itself and its
 * strong ETag (from the stored content fingerprint), so a hit costs a map lookup and never a
 * JSON.stringify or a hash.
 *
 * Environment (read once, when the container's cache is created):
 *  - CACHE_MAX_ENTRIES (default 50000)
 *  - CACHE_MAX_BYTES (default 64 MiB of UTF-8 JSON: room to spare in a 512 MB function)
 *  - CACHE_TTL_SECONDS (optional; 0 or absent: no expiry)
 */
import { LRUCache } from 'lru-cache';
import * as z from 'zod';
import { type Env, readEnv, wholeNumber } from '../../shared/config.js';
import type { StoredOrder } from '../../shared/db/orders.js';

export interface OrderCacheConfig {
  maxEntries: number;
  maxBytes: number;
  ttlSeconds: number;
}

export interface OrderCacheStats {
  entries: number;
  bytes: number;
  max_entries: number;
  max_bytes: number;
  ttl_seconds: number | null;
  hits: number;
  misses: number;
  /** Database reads caused by misses (concurrent misses for one id share one read). */
  loads: number;
  evictions: number;
  hit_ratio: number | null;
  container_age_seconds: number;
}

type CacheOutcome = 'hit' | 'miss';

export interface CachedRead {
  json: string;
  /** A strong entity tag (RFC 9110 section 8.8.3): the content fingerprint, quoted. */
  etag: string;
  cache: CacheOutcome;
}

interface Entry {
  json: string;
  etag: string;
}

const toEntry = ({ json, fingerprint }: StoredOrder): Entry => ({ json, etag: `"${fingerprint}"` });

/** When this module was loaded: the container's age as the cache sees it. */
const CONTAINER_STARTED_AT = Date.now();

/** Defaults and allowed ranges of CACHE_*: infra/ (CDK context) takes the same ones. */
export const CACHE_SETTINGS = {
  maxEntries: { min: 1, max: 10_000_000, fallback: 50_000 },
  // 64 MiB of UTF-8 JSON: room to spare in a 512 MB function.
  maxBytes: { min: 1024, max: 2 ** 31, fallback: 64 * 1024 * 1024 },
  ttlSeconds: { min: 0, max: 86_400, fallback: 0 },
} as const;

const cacheSchema = z.object({
  CACHE_MAX_ENTRIES: wholeNumber(CACHE_SETTINGS.maxEntries),
  CACHE_MAX_BYTES: wholeNumber(CACHE_SETTINGS.maxBytes),
  CACHE_TTL_SECONDS: wholeNumber(CACHE_SETTINGS.ttlSeconds),
});

/** The cache bounds from CACHE_* variables; throws ConfigError naming each bad variable. */
export function cacheConfigFromEnv(env: Env = process.env): OrderCacheConfig {
  const parsed = readEnv('cache', cacheSchema, env);
  return { maxEntries: parsed.CACHE_MAX_ENTRIES, maxBytes: parsed.CACHE_MAX_BYTES, ttlSeconds: parsed.CACHE_TTL_SECONDS };
}

export class OrderCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, Promise<Entry | undefined>>();
  private hits = 0;
  private misses = 0;
  private loads = 0;
  private evictions = 0;

  constructor(
    readonly config: OrderCacheConfig,
    private readonly load: (orderUid: string) => Promise<StoredOrder | undefined>,
    /** The TTL clock in milliseconds (tests pass their own). */
    clock: { now(): number } = performance,
  ) {
    // No `max`: lru-cache allocates `max` slots up front, at every cold start. It bounds the bytes;
    // `remember` bounds the entries.
    this.lru = new LRUCache<string, Entry>({
      maxSize: config.maxBytes,
      // UTF-8 bytes of the JSON plus the key: what the bound is about. An order larger than
      // the whole bound is simply not cached (lru-cache refuses it).
      sizeCalculation: ({ json, etag }, orderUid) => Buffer.byteLength(json) + etag.length + orderUid.length,
      ...(config.ttlSeconds > 0 ? { ttl: config.ttlSeconds * 1000, ttlResolution: 0, perf: clock } : {}),
      dispose: (_entry, _uid, reason) => {
        if (reason === 'evict') this.evictions += 1;
      },
    });
  }

  /** The order's JSON from the cache, or from one database read shared by concurrent callers; undefined if unknown. */
  async get(orderUid: string): Promise<CachedRead | undefined> {
    const cached = this.lru.get(orderUid);
    if (cached !== undefined) {
      this.hits += 1;
      return { ...cached, cache: 'hit' };
    }
    this.misses += 1;
    const entry = await this.loadOnce(orderUid);
    return entry === undefined ? undefined : { ...entry, cache: 'miss' };
  }

  private loadOnce(orderUid: string): Promise<Entry | undefined> {
    let pending = this.inFlight.get(orderUid);
    if (!pending) {
      this.loads += 1;
      // Unknown ids are not cached: the order may be ingested a moment later.
      pending = this.load(orderUid)
        .then((stored) => {
          const entry = stored && toEntry(stored);
          if (entry) this.remember(orderUid, entry);
          return entry;
        })
        .finally(() => this.inFlight.delete(orderUid));
      this.inFlight.set(orderUid, pending);
    }
    return pending;
  }

  /** Caches `entry`, first evicting the least recently used entry when the entry bound is reached. */
  private remember(orderUid: string, entry: Entry): void {
    if (!this.lru.has(orderUid) && this.lru.size >= this.config.maxEntries) this.lru.pop();
    this.lru.set(orderUid, entry);
  }

  stats(now = Date.now()): OrderCacheStats {
    const lookups = this.hits + this.misses;
    return {
      entries: this.lru.size,
      bytes: this.lru.calculatedSize,
      max_entries: this.config.maxEntries,
      max_bytes: this.config.maxBytes,
      ttl_seconds: this.config.ttlSeconds > 0 ? this.config.ttlSeconds : null,
      hits: this.hits,
      misses: this.misses,
      loads: this.loads,
      evictions: this.evictions,
      hit_ratio: lookups === 0 ? null : this.hits / lookups,
      container_age_seconds: Math.round((now - CONTAINER_STARTED_AT) / 1000),
    };
  }
}

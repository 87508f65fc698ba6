import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { cacheConfigFromEnv, OrderCache } from '../../functions/api/order-cache.js';

const config = { maxEntries: 100, maxBytes: 10_000, ttlSeconds: 0 };
const orderJson = (uid: string, size = 100) => JSON.stringify({ order_uid: uid, pad: 'x'.repeat(size) });
/** The stored order as the database read gives it: its JSON and content fingerprint (hex SHA-256). */
const stored = (uid: string) => ({ json: orderJson(uid), fingerprint: createHash('sha256').update(orderJson(uid)).digest('hex') });
const etag = (uid: string) => `"${stored(uid).fingerprint}"`;

describe('OrderCache', () => {
  it('loads a miss once, then answers hits with the same text and strong ETag without loading again', async () => {
    const load = vi.fn(async (uid: string) => stored(uid));
    const cache = new OrderCache(config, load);

    expect(await cache.get('a')).toEqual({ json: orderJson('a'), etag: etag('a'), cache: 'miss' });
    expect(await cache.get('a')).toEqual({ json: orderJson('a'), etag: etag('a'), cache: 'hit' });
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 1, loads: 1, hit_ratio: 0.5 });
  });

  it('shares one load between concurrent misses for the same order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = vi.fn(async (uid: string) => {
      await gate;
      return stored(uid);
    });
    const cache = new OrderCache(config, load);

    const reads = Promise.all([cache.get('a'), cache.get('a'), cache.get('a'), cache.get('b')]);
    release();
    const results = await reads;

    expect(results.map((result) => result?.cache)).toEqual(['miss', 'miss', 'miss', 'miss']);
    expect(load.mock.calls).toEqual([['a'], ['b']]);
  });

  it('does not cache unknown orders or failed loads', async () => {
    const load = vi
      .fn<(uid: string) => Promise<ReturnType<typeof stored> | undefined>>()
      .mockResolvedValueOnce(undefined)
      .mockRejectedValueOnce(new Error('database down'))
      .mockResolvedValueOnce(stored('a'));
    const cache = new OrderCache(config, load);

    expect(await cache.get('a')).toBeUndefined();
    await expect(cache.get('a')).rejects.toThrow('database down');
    expect(await cache.get('a')).toEqual({ json: orderJson('a'), etag: etag('a'), cache: 'miss' });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('evicts the least recently used orders to stay within the byte bound', async () => {
    // The JSON, the quoted fingerprint and the key.
    const entrySize = Buffer.byteLength(orderJson('a')) + etag('a').length + 1;
    const cache = new OrderCache({ ...config, maxBytes: entrySize * 2 }, async (uid) => stored(uid));

    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now more recent than b
    await cache.get('c'); // evicts b

    expect(cache.stats()).toMatchObject({ entries: 2, bytes: entrySize * 2, evictions: 1 });
    expect((await cache.get('a'))?.cache).toBe('hit');
    expect((await cache.get('b'))?.cache).toBe('miss');
  });

  it('evicts by entry count too', async () => {
    const cache = new OrderCache({ ...config, maxEntries: 2 }, async (uid) => stored(uid));
    for (const uid of ['a', 'b', 'c', 'd']) await cache.get(uid);
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 2 });
    // The least recently used goes first: d was read after c, then c again, so e evicts d.
    await cache.get('c');
    await cache.get('e');
    expect([(await cache.get('c'))?.cache, (await cache.get('e'))?.cache]).toEqual(['hit', 'hit']);
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 3 });
  });

  it('expires entries after the optional TTL', async () => {
    let now = 1_000;
    const cache = new OrderCache({ ...config, ttlSeconds: 60 }, async (uid) => stored(uid), { now: () => now });
    await cache.get('a');
    now += 59_000;
    expect((await cache.get('a'))?.cache).toBe('hit');
    now += 2_000;
    expect((await cache.get('a'))?.cache).toBe('miss');
  });
});

describe('cacheConfigFromEnv', () => {
  it('has defaults for a 512 MB function', () => {
    expect(cacheConfigFromEnv({})).toEqual({ maxEntries: 50_000, maxBytes: 64 * 1024 * 1024, ttlSeconds: 0 });
  });

  it('reads CACHE_MAX_ENTRIES, CACHE_MAX_BYTES and CACHE_TTL_SECONDS', () => {
    expect(cacheConfigFromEnv({ CACHE_MAX_ENTRIES: '10', CACHE_MAX_BYTES: '2048', CACHE_TTL_SECONDS: '30' })).toEqual({
      maxEntries: 10,
      maxBytes: 2048,
      ttlSeconds: 30,
    });
  });

  it.each([
    ['CACHE_MAX_ENTRIES', '0'],
    ['CACHE_MAX_BYTES', '-1'],
    ['CACHE_MAX_BYTES', '1e3x'],
    ['CACHE_TTL_SECONDS', '1.5'],
  ])('rejects %s=%s with a clear message', (name, value) => {
    expect(() => cacheConfigFromEnv({ [name]: value })).toThrow(name);
  });
});

import { describe, expect, it } from 'vitest';
import { chunkBoundaries, PIPELINE_CHUNKS } from '../../functions/ingest/store.js';

describe('chunkBoundaries (the pipelined chunks of the store)', () => {
  it.each([200, 1000, 3333, 10_000])('splits %i records into PIPELINE_CHUNKS growing chunks', (total) => {
    const ends = [...chunkBoundaries(total), total];
    const sizes = ends.map((end, index) => end - (ends[index - 1] ?? 0));
    expect(sizes).toHaveLength(PIPELINE_CHUNKS);
    expect(sizes.every((size) => size > 0)).toBe(true);
    for (let index = 1; index < sizes.length; index += 1) expect(sizes[index]).toBeGreaterThanOrEqual(sizes[index - 1]!);
    expect(sizes[0]).toBeLessThan(total / PIPELINE_CHUNKS);
  });
});

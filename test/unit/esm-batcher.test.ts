import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../local/emulators/esm/batch.js';
import { Batcher } from '../../local/emulators/esm/batcher.js';
import { sourceRecord } from '../support/source-records.js';

const record = sourceRecord;
const positions = (records: readonly SourceRecord[]) => records.map((r) => `${r.partition}@${r.offset}`);
const batchOf = (next: ReturnType<Batcher['next']>) => {
  if (!('batch' in next)) throw new Error(`no batch ready (wait ${next.waitMs} ms)`);
  return positions(next.batch);
};

describe('Batcher (BatchSize and batching window, one batch per partition at a time)', () => {
  it('holds records until batchSize wait, then takes exactly batchSize in arrival order', () => {
    const batcher = new Batcher({ batchSize: 3, batchWindowMs: 500, maxWaiting: 100 });
    batcher.add([record(0, 1), record(1, 1)], 1_000);
    expect(batcher.next(1_100)).toEqual({ waitMs: 400 });
    batcher.add([record(0, 2), record(2, 1)], 1_100);
    expect(batchOf(batcher.next(1_100))).toEqual(['0@1', '1@1', '0@2']);
    expect(batcher.size).toBe(1);
  });

  it('takes what waits once the oldest record has waited the batching window', () => {
    const batcher = new Batcher({ batchSize: 100, batchWindowMs: 500, maxWaiting: 1_000 });
    batcher.add([record(0, 1)], 1_000);
    batcher.add([record(0, 2)], 1_400);
    expect(batcher.next(1_499)).toEqual({ waitMs: 1 });
    expect(batchOf(batcher.next(1_500))).toEqual(['0@1', '0@2']);
    expect(batcher.next(1_500)).toEqual({ waitMs: undefined });
  });

  it('skips partitions a running batch holds until that batch is released', () => {
    const batcher = new Batcher({ batchSize: 2, batchWindowMs: 0, maxWaiting: 100 });
    batcher.add([record(0, 1), record(0, 2), record(0, 3), record(1, 1), record(1, 2)], 0);
    const first = batcher.next(0);
    expect(batchOf(first)).toEqual(['0@1', '0@2']);
    expect(batchOf(batcher.next(0))).toEqual(['1@1', '1@2']);
    expect(batcher.next(0)).toEqual({ waitMs: undefined });
    if ('batch' in first) batcher.release(first.batch);
    expect(batchOf(batcher.next(0))).toEqual(['0@3']);
  });

  it('drops what waits on a rebalance (the group re-reads from the committed offsets) and signals every change', () => {
    const batcher = new Batcher({ batchSize: 10, batchWindowMs: 500, maxWaiting: 2 });
    let changes = 0;
    batcher.on('change', () => {
      changes += 1;
    });
    batcher.add([record(0, 1), record(0, 2)], 0);
    expect(batcher.full).toBe(true);
    batcher.clear();
    expect(batcher.size).toBe(0);
    expect(batcher.full).toBe(false);
    expect(changes).toBe(2);
  });
});

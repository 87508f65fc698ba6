import { describe, expect, it } from 'vitest';
import { commitPositions } from '../../local/emulators/esm/committer.js';
import { sourceRecord } from '../support/source-records.js';

const record = sourceRecord;

describe('commitPositions (offsets are committed only past settled records)', () => {
  it('commits each partition up to the record before its first unsettled one, as the next offset to read', () => {
    const batch = [record(0, 12), record(0, 10), record(0, 11), record(1, 5), record(1, 6), record(2, 7)];
    const unsettled = new Set([batch[2], batch[3]]);
    const settled = new Set(batch.filter((r) => !unsettled.has(r)));
    const { positions, records } = commitPositions(batch, settled);
    expect(positions.sort((a, b) => a.partition - b.partition)).toEqual([
      { topic: 'orders', partition: 0, offset: 11 },
      { topic: 'orders', partition: 2, offset: 8 },
    ]);
    expect(records).toBe(2);
  });

  it('commits nothing when nothing is settled', () => {
    expect(commitPositions([record(0, 1)], new Set())).toEqual({ positions: [], records: 0 });
  });
});

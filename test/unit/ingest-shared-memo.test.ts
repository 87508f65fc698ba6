import { describe, expect, it } from 'vitest';
import { digestOf, RecordMemo } from '../../functions/ingest/memo.js';
import type { FinalResult } from '../../functions/ingest/result.js';
import type { Digested } from '../../functions/ingest/result.js';
import { lookUpKept, recall, toKeep } from '../../functions/ingest/shared-memo.js';
import { reject } from '../../shared/order/classify.js';
import { memoryOrderStore } from '../support/order-store.js';

const at = (partition: number, offset: number) => ({ topic: 'orders', partition, offset });
const result = (partition: number, offset: number, status: 'stored' | 'rejected', remembered = false): FinalResult =>
  status === 'rejected'
    ? {
        index: offset,
        position: at(partition, offset),
        digest: `d${offset}`,
        remembered,
        status,
        rejection: reject('not_json', undefined, 'not JSON'),
      }
    : { index: offset, position: at(partition, offset), digest: `d${offset}`, remembered, status };

describe('toKeep (what a batch keeps for its retries)', () => {
  it('keeps nothing of a batch without a rejected record', () => {
    expect(toKeep([result(0, 1, 'stored'), result(1, 2, 'stored')])).toBeUndefined();
  });

  it('keeps, per partition with a rejection, every fresh result from its lowest rejected offset on, and prunes below it', () => {
    const kept = toKeep([
      result(0, 1, 'stored'),
      result(0, 2, 'rejected'),
      result(0, 3, 'stored'),
      result(0, 4, 'stored', true),
      result(1, 7, 'stored'),
    ]);
    expect(kept?.verdicts.map(({ partition, offset, status }) => `${partition}@${offset} ${status}`)).toEqual([
      '0@2 rejected',
      '0@3 acknowledged',
    ]);
    expect(kept?.prune).toEqual([{ topic: 'orders', partition: 0, below: 2 }]);
  });

  it('keeps nothing new when every result from the lowest rejected offset on was remembered (a plain retry)', () => {
    expect(toKeep([result(0, 2, 'rejected', true), result(0, 3, 'stored', true)])).toBeUndefined();
  });
});

describe('recall and lookUpKept', () => {
  const digested = (offset: number, value: string): Digested => ({ index: 0, position: at(0, offset), digest: digestOf(value) });

  it('remembers a record kept with the same digest, and judges one whose value differs afresh', async () => {
    const { store } = memoryOrderStore();
    const verdict = {
      ...at(0, 5),
      digest: digestOf('eyJ9'),
      status: 'rejected' as const,
      rejection: reject('not_json', undefined, 'not JSON'),
    };
    await store.keepRecordVerdicts({ verdicts: [verdict], prune: [] });
    const { answer } = await lookUpKept(store, new RecordMemo(10), [
      { position: at(0, 5), record: { ...at(0, 5), timestamp: 0, timestampType: 'CREATE_TIME' as const, value: 'eyJ9', headers: [] } },
    ]);
    const kept = await answer;
    const memo = new RecordMemo(10);
    expect(recall(digested(5, 'eyJ9'), memo, kept)).toMatchObject({ status: 'rejected', remembered: true });
    expect(recall(digested(5, 'e30='), memo, kept)).toBeUndefined();
    // This container's own verdict comes first.
    memo.remember(at(0, 5), digestOf('eyJ9'), { status: 'stored' });
    expect(recall(digested(5, 'eyJ9'), memo, kept)).toMatchObject({ status: 'duplicate', remembered: true });
  });

  it('treats an unreachable database as knowing nothing, and fails on a defect', async () => {
    const { store } = memoryOrderStore();
    const unreachable = {
      ...store,
      lookUpRecordVerdicts: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    };
    const records = [
      { position: at(0, 1), record: { ...at(0, 1), timestamp: 0, timestampType: 'CREATE_TIME' as const, value: 'e30=', headers: [] } },
    ];
    expect((await (await lookUpKept(unreachable, new RecordMemo(10), records)).answer).size).toBe(0);
    const missingTable = {
      ...store,
      lookUpRecordVerdicts: async () => Promise.reject(Object.assign(new Error('relation does not exist'), { code: '42P01' })),
    };
    await expect(lookUpKept(missingTable, new RecordMemo(10), records)).rejects.toMatchObject({ code: '42P01' });
  });
});

import { describe, expect, it } from 'vitest';
import { digestOf, RecordMemo } from '../../functions/ingest/memo.js';
import { reject } from '../../shared/order/classify.js';

const at = (offset: number) => ({ topic: 'orders', partition: 0, offset });

describe('RecordMemo', () => {
  it('remembers a stored record (as a duplicate, for a re-delivery) and a rejected one by position and value', () => {
    const memo = new RecordMemo(10);
    const rejection = reject('not_json', undefined, 'not JSON');
    memo.remember(at(1), digestOf('YQ=='), { status: 'stored' });
    memo.remember(at(2), digestOf('Yg=='), { status: 'rejected', rejection });
    expect(memo.lookup(at(1), digestOf('YQ=='))).toEqual({ status: 'duplicate' });
    expect(memo.lookup(at(2), digestOf('Yg=='))).toEqual({ status: 'rejected', rejection });
    expect(memo.lookup(at(3), digestOf('YQ=='))).toBeUndefined();
  });

  it('judges afresh a different value at a remembered position (a re-created topic)', () => {
    const memo = new RecordMemo(10);
    memo.remember(at(1), digestOf('YQ=='), { status: 'stored' });
    expect(memo.lookup(at(1), digestOf('Yw=='))).toBeUndefined();
    expect(memo.lookup({ ...at(1), topic: 'other' }, digestOf('YQ=='))).toBeUndefined();
  });

  it('tells an absent value from a null one and from text', () => {
    const memo = new RecordMemo(10);
    memo.remember(at(1), digestOf(null), { status: 'rejected', rejection: reject('undecodable', undefined, 'record has no value') });
    expect(memo.lookup(at(1), digestOf(null))).toBeDefined();
    expect(memo.lookup(at(1), digestOf(undefined))).toBeUndefined();
    expect(memo.lookup(at(1), digestOf('null'))).toBeUndefined();
  });

  it('forgets the oldest entries beyond its bound', () => {
    const memo = new RecordMemo(3);
    for (let offset = 0; offset < 5; offset += 1) memo.remember(at(offset), digestOf('YQ=='), { status: 'stored' });
    expect(memo.size).toBe(3);
    expect(memo.lookup(at(0), digestOf('YQ=='))).toBeUndefined();
    expect(memo.lookup(at(1), digestOf('YQ=='))).toBeUndefined();
    expect(memo.lookup(at(4), digestOf('YQ=='))).toEqual({ status: 'duplicate' });
  });

  it('forgets the least recently used entry: a looked-up or re-remembered one stays', () => {
    const memo = new RecordMemo(3);
    for (let offset = 0; offset < 3; offset += 1) memo.remember(at(offset), digestOf('YQ=='), { status: 'stored' });
    memo.lookup(at(0), digestOf('YQ=='));
    memo.remember(at(1), digestOf('YQ=='), { status: 'stored' });
    memo.remember(at(3), digestOf('YQ=='), { status: 'stored' });
    expect(memo.knows(at(2))).toBe(false);
    expect([0, 1, 3].map((offset) => memo.knows(at(offset)))).toEqual([true, true, true]);
  });

  it('stays bounded and exact through many times its bound of re-remembered records', () => {
    const bound = 1_000;
    const memo = new RecordMemo(bound);
    // A re-delivery remembers its records again: each step re-remembers the previous 100 and adds 100 new ones.
    for (let first = 0; first < 20 * bound; first += 100) {
      for (let offset = Math.max(0, first - 100); offset < first + 100; offset += 1)
        memo.remember(at(offset), digestOf('YQ=='), { status: 'stored' });
    }
    const last = 20 * bound - 1;
    expect(memo.size).toBe(bound);
    expect(memo.knows(at(last - bound + 1))).toBe(true);
    expect(memo.knows(at(last - bound))).toBe(false);
  });

  it('remembers nothing with a bound of 0', () => {
    const memo = new RecordMemo(0);
    memo.remember(at(1), digestOf('YQ=='), { status: 'stored' });
    expect(memo.lookup(at(1), digestOf('YQ=='))).toBeUndefined();
    expect([memo.size, memo.knows(at(1))]).toEqual([0, false]);
  });
});

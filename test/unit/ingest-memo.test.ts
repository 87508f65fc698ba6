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

  it('remembers nothing with a bound of 0', () => {
    const memo = new RecordMemo(0);
    memo.remember(at(1), digestOf('YQ=='), { status: 'stored' });
    expect(memo.lookup(at(1), digestOf('YQ=='))).toBeUndefined();
  });
});

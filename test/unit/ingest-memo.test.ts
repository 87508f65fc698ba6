import { describe, expect, it } from 'vitest';
import { digestOf, JudgementMemo } from '../../functions/ingest/memo.js';
import { reject } from '../../shared/order/classify.js';

const at = (offset: number) => ({ topic: 'orders', partition: 0, offset });

describe('JudgementMemo', () => {
  it('remembers a stored record and a rejected one by position and value', () => {
    const memo = new JudgementMemo(10);
    const rejection = reject('not_json', undefined, 'not JSON');
    memo.rememberStored(at(1), digestOf('YQ=='));
    memo.rememberRejected(at(2), digestOf('Yg=='), rejection);
    expect(memo.lookup(at(1), digestOf('YQ=='))).toEqual({ kind: 'stored' });
    expect(memo.lookup(at(2), digestOf('Yg=='))).toEqual({ kind: 'rejected', rejection });
    expect(memo.lookup(at(3), digestOf('YQ=='))).toBeUndefined();
  });

  it('judges afresh a different value at a remembered position (a re-created topic)', () => {
    const memo = new JudgementMemo(10);
    memo.rememberStored(at(1), digestOf('YQ=='));
    expect(memo.lookup(at(1), digestOf('Yw=='))).toBeUndefined();
    expect(memo.lookup({ ...at(1), topic: 'other' }, digestOf('YQ=='))).toBeUndefined();
  });

  it('tells an absent value from a null one and from text', () => {
    const memo = new JudgementMemo(10);
    memo.rememberRejected(at(1), digestOf(null), reject('undecodable', undefined, 'record has no value'));
    expect(memo.lookup(at(1), digestOf(null))).toBeDefined();
    expect(memo.lookup(at(1), digestOf(undefined))).toBeUndefined();
    expect(memo.lookup(at(1), digestOf('null'))).toBeUndefined();
  });

  it('forgets the oldest entries beyond its bound', () => {
    const memo = new JudgementMemo(3);
    for (let offset = 0; offset < 5; offset += 1) memo.rememberStored(at(offset), digestOf('YQ=='));
    expect(memo.size).toBe(3);
    expect(memo.lookup(at(0), digestOf('YQ=='))).toBeUndefined();
    expect(memo.lookup(at(1), digestOf('YQ=='))).toBeUndefined();
    expect(memo.lookup(at(4), digestOf('YQ=='))).toEqual({ kind: 'stored' });
  });

  it('remembers nothing with a bound of 0', () => {
    const memo = new JudgementMemo(0);
    memo.rememberStored(at(1), digestOf('YQ=='));
    expect(memo.lookup(at(1), digestOf('YQ=='))).toBeUndefined();
  });
});

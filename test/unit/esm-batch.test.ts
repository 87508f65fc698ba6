import { describe, expect, it } from 'vitest';
import { backoffDelay, bisect, judgeResponse, type SourceRecord, takeBatch, totalBackoff } from '../../local/emulators/esm/batch.js';
import { ESM_DEFAULTS } from '../../local/emulators/esm/emulator.js';

const record = (partition: number, offset: number): SourceRecord => ({
  topic: 'orders',
  partition,
  offset,
  timestamp: 0,
  key: null,
  value: Buffer.from('{}'),
  headers: {},
});
const failure = (partition: string, offset: number | string) => ({ itemIdentifier: { partition, offset } });
const positions = (records: SourceRecord[]) => records.map((r) => `${r.partition}@${r.offset}`);

describe('judgeResponse (partial batch response, as the event-source mapping reads it)', () => {
  const batch = [record(0, 10), record(0, 11), record(0, 12), record(0, 13), record(1, 5), record(1, 6)];

  it.each([undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }])('treats %j as a complete success', (response) => {
    expect(judgeResponse(batch, response)).toEqual({ kind: 'success' });
  });

  it('resumes each partition at its lowest failed offset and keeps the records before it', () => {
    const verdict = judgeResponse(batch, { batchItemFailures: [failure('orders-0', 13), failure('orders-0', 11)] });
    if (verdict.kind !== 'partial') throw new Error(verdict.kind);
    expect(positions(verdict.done)).toEqual(['0@10', '1@5', '1@6']);
    expect(positions(verdict.retry)).toEqual(['0@11', '0@12', '0@13']);
    expect(positions(verdict.failed)).toEqual(['0@11', '0@13']);
  });

  it('makes the whole batch a failure when an identifier names no record of the batch', () => {
    expect(judgeResponse(batch, { batchItemFailures: [failure('orders-0', 99)] }).kind).toBe('invalid-response');
    expect(judgeResponse(batch, { batchItemFailures: [failure('other-0', 10)] }).kind).toBe('invalid-response');
    expect(judgeResponse(batch, { batchItemFailures: [{ itemIdentifier: 'orders-0' }] }).kind).toBe('invalid-response');
    expect(judgeResponse(batch, { batchItemFailures: 'all' }).kind).toBe('invalid-response');
  });
});

describe('bisect', () => {
  it('splits a batch in two halves, first half first, keeping each partition in order', () => {
    const [first, second] = bisect([record(0, 1), record(0, 2), record(1, 1), record(0, 3), record(1, 2)]);
    expect(positions(first)).toEqual(['0@1', '0@2', '1@1']);
    expect(positions(second)).toEqual(['0@3', '1@2']);
  });
});

describe('takeBatch', () => {
  it('takes at most batchSize waiting records in arrival order, skipping busy partitions', () => {
    const waiting = [record(0, 1), record(1, 1), record(0, 2), record(2, 1), record(1, 2)];
    const taken = takeBatch(waiting, 3, new Set(['orders-1']));
    expect(positions(taken)).toEqual(['0@1', '0@2', '2@1']);
    expect(positions(waiting)).toEqual(['1@1', '1@2']);
  });
});

describe('retry backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const backoff = { initialMs: 500, multiplier: 2, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffDelay(retry, backoff))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('lets the default retries wait about a minute before a record goes to the DLQ', () => {
    const total = totalBackoff(ESM_DEFAULTS.maxRetryAttempts, ESM_DEFAULTS.backoff);
    expect(total).toBeGreaterThanOrEqual(60_000);
    expect(total).toBeLessThan(90_000);
  });
});

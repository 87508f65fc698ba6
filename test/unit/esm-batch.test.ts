import { describe, expect, it } from 'vitest';
import { bisect, judgeResponse, type SourceRecord } from '../../local/emulators/esm/batch.js';
import { sourceRecord } from '../support/source-records.js';

const record = sourceRecord;
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
    expect(judgeResponse(batch, { batchItemFailures: [null] }).kind).toBe('invalid-response');
    expect(judgeResponse(batch, { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 'eleven' } }] }).kind).toBe(
      'invalid-response',
    );
    expect(judgeResponse(batch, { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'orders-0', offset: 11 } }] }).kind).toBe(
      'invalid-response',
    );
  });
});

describe('bisect', () => {
  it('splits a batch in two halves, first half first, keeping each partition in order', () => {
    const [first, second] = bisect([record(0, 1), record(0, 2), record(1, 1), record(0, 3), record(1, 2)]);
    expect(positions(first)).toEqual(['0@1', '0@2', '1@1']);
    expect(positions(second)).toEqual(['0@3', '1@2']);
  });
});

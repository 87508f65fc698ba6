import { describe, expect, it, vi } from 'vitest';
import { NotAnOutage, type OutagePolicy, retryDuringOutage } from '../../functions/ingest/outage.js';

const policy = (overrides: Partial<OutagePolicy> = {}): OutagePolicy => ({
  budgetMs: 1_000,
  remainingMs: () => 60_000,
  marginMs: 0,
  initialDelayMs: 5,
  maxDelayMs: 20,
  ...overrides,
});

const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** An attempt that fails `failures` times, then answers. */
function flaky(failures: number, error: () => Error = connectionRefused) {
  let calls = 0;
  return {
    attempt: vi.fn(async () => {
      calls += 1;
      if (calls <= failures) throw error();
      return 'stored';
    }),
  };
}

describe('retryDuringOutage', () => {
  it('retries an unavailable database with growing delays until it answers', async () => {
    const { attempt } = flaky(3);
    const delays: number[] = [];
    await expect(retryDuringOutage(attempt, policy({ onRetry: (_attempt, _error, delayMs) => delays.push(delayMs) }))).resolves.toBe('stored');
    expect(attempt).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([5, 10, 20]);
  });

  it('throws the last error once the budget is spent', async () => {
    const { attempt } = flaky(Number.POSITIVE_INFINITY);
    const started = Date.now();
    await expect(retryDuringOutage(attempt, policy({ budgetMs: 100 }))).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempt.mock.calls.length).toBeGreaterThan(2);
  });

  it('never waits past the remaining time minus the margin, whatever the budget', async () => {
    const { attempt } = flaky(Number.POSITIVE_INFINITY);
    const started = Date.now();
    await expect(retryDuringOutage(attempt, policy({ budgetMs: 60_000, remainingMs: () => 30_100, marginMs: 30_000 }))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['a data error (SQLSTATE class 22)', () => Object.assign(new Error('date/time field value out of range'), { code: '22008' })],
    ['a constraint violation (SQLSTATE class 23)', () => Object.assign(new Error('violates check constraint'), { code: '23514' })],
    ['an error of this process', () => new NotAnOutage('classifying the batch failed')],
  ])('does not retry %s', async (_name, error) => {
    const { attempt } = flaky(1, error);
    await expect(retryDuringOutage(attempt, policy())).rejects.toThrow();
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['08006', 'connection failure'],
    ['57P01', 'admin shutdown'],
    ['57P03', 'cannot connect now'],
    ['53300', 'too many connections'],
  ])('waits out SQLSTATE %s (%s)', async (code, message) => {
    const { attempt } = flaky(1, () => Object.assign(new Error(message), { code }));
    await expect(retryDuringOutage(attempt, policy())).resolves.toBe('stored');
  });
});

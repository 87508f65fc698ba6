import { describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { type Clock, type OutagePolicy, retryDatabase } from '../../functions/ingest/outage.js';

/** Time that passes only when the loop sleeps: what the loop waited is `now()`, whatever the machine's speed. */
function fakeClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

const policy = (overrides: Partial<OutagePolicy> = {}): OutagePolicy => ({
  clock: fakeClock(),
  budgetMs: 1_000,
  remainingMs: () => 60_000,
  marginMs: 0,
  initialDelayMs: 5,
  maxDelayMs: 20,
  conflictRetries: 3,
  credentialRetries: 2,
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

describe('retryDatabase', () => {
  it('retries an unavailable database with growing delays until it answers', async () => {
    const { attempt } = flaky(3);
    const delays: number[] = [];
    await expect(retryDatabase(attempt, policy({ onRetry: ({ delayMs }) => void delays.push(delayMs) }))).resolves.toBe('stored');
    expect(attempt).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([5, 10, 20]);
  });

  it('throws the last error once the budget is spent', async () => {
    const { attempt } = flaky(Number.POSITIVE_INFINITY);
    const clock = fakeClock();
    await expect(retryDatabase(attempt, policy({ budgetMs: 100, clock }))).rejects.toThrow(/ECONNREFUSED/);
    expect(clock.now()).toBeLessThanOrEqual(100);
    expect(attempt.mock.calls.length).toBeGreaterThan(2);
  });

  it('never waits past the remaining time minus the margin, whatever the budget', async () => {
    const { attempt } = flaky(Number.POSITIVE_INFINITY);
    const clock = fakeClock();
    await expect(
      retryDatabase(attempt, policy({ budgetMs: 60_000, remainingMs: () => 30_100, marginMs: 30_000, clock })),
    ).rejects.toThrow();
    expect(clock.now()).toBeLessThanOrEqual(100);
    expect(attempt.mock.calls.length).toBeGreaterThan(2);
  });

  it.each([
    ['a data error (SQLSTATE class 22)', () => Object.assign(new Error('date/time field value out of range'), { code: '22008' })],
    ['a constraint violation (SQLSTATE class 23)', () => Object.assign(new Error('violates check constraint'), { code: '23514' })],
    ['a programming error', () => new TypeError('x is undefined')],
    ['a permission error (42501)', () => Object.assign(new pg.DatabaseError('permission denied', 0, 'error'), { code: '42501' })],
    ['a missing table (42P01)', () => Object.assign(new pg.DatabaseError('relation does not exist', 0, 'error'), { code: '42P01' })],
  ])('does not retry %s', async (_name, error) => {
    const { attempt } = flaky(1, error);
    await expect(retryDatabase(attempt, policy())).rejects.toThrow();
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['08006', 'connection failure'],
    ['57P01', 'admin shutdown'],
    ['57P03', 'cannot connect now'],
    ['53300', 'too many connections'],
  ])('waits out SQLSTATE %s (%s)', async (code, message) => {
    const { attempt } = flaky(1, () => Object.assign(new Error(message), { code }));
    await expect(retryDatabase(attempt, policy())).resolves.toBe('stored');
  });

  it.each(['40P01', '40001'])('retries a lock conflict (%s) at once, a few times, then gives up', async (code) => {
    const conflict = () => Object.assign(new pg.DatabaseError('deadlock detected', 0, 'error'), { code });
    const kinds: string[] = [];
    const onRetry: OutagePolicy['onRetry'] = ({ kind, delayMs }) => void kinds.push(`${kind} ${delayMs}`);
    await expect(retryDatabase(flaky(2, conflict).attempt, policy({ onRetry }))).resolves.toBe('stored');
    expect(kinds).toEqual(['conflict 0', 'conflict 0']);
    const always = flaky(Number.POSITIVE_INFINITY, conflict);
    await expect(retryDatabase(always.attempt, policy())).rejects.toMatchObject({ code });
    expect(always.attempt).toHaveBeenCalledTimes(4);
  });

  it('retries a refused password (28P01) a bounded number of times with backoff', async () => {
    const refusal = () => Object.assign(new pg.DatabaseError('password authentication failed', 0, 'error'), { code: '28P01' });
    const refused = flaky(Number.POSITIVE_INFINITY, refusal);
    await expect(retryDatabase(refused.attempt, policy({ budgetMs: 60_000 }))).rejects.toMatchObject({ code: '28P01' });
    expect(refused.attempt).toHaveBeenCalledTimes(3);
  });

  it("numbers the attempts from 1, so that a caller's own first attempt (the pipelined write) is handled like any other", async () => {
    const attempt = vi.fn(async (number: number) => {
      if (number === 1) throw connectionRefused();
      return 'stored';
    });
    const delays: number[] = [];
    const onRetry: OutagePolicy['onRetry'] = ({ delayMs }) => void delays.push(delayMs);
    await expect(retryDatabase(attempt, policy({ onRetry }))).resolves.toBe('stored');
    expect(delays).toEqual([5]);
    expect(attempt.mock.calls.map(([number]) => number)).toEqual([1, 2]);
    const buggy = vi.fn(async (number: number) => {
      if (number === 1) throw new TypeError('bug');
      return 'stored';
    });
    await expect(retryDatabase(buggy, policy())).rejects.toThrow(TypeError);
    expect(buggy).toHaveBeenCalledTimes(1);
  });
});

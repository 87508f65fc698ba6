/**
 * Retrying the database inside the invocation, by what the error means (shared/db/errors.ts):
 *  - `unavailable` (and `credentials`, while the pool re-reads a rotated secret): wait with
 *    backoff for up to the outage budget, never past the function's remaining time minus a margin
 *    that one more attempt (connect + statement timeouts) fits in; then throw, and the mapping
 *    retries the batch. The event-source mapping's own retries come with little or no spacing
 *    (AWS documents none), so 10 quick retries would send valid orders to the DLQ during an RDS
 *    failover (60–120 s). docs/ingest.md gives the resulting outage budget;
 *  - `conflict` (a deadlock or serialization failure with a concurrent writer): retry at once, a
 *    few times: the other writer has finished or been rolled back;
 *  - `data`, `defect`: never retried (the store rejects a refused record; a defect fails the
 *    invocation at once).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyError, type ErrorKind } from '../../shared/db/errors.js';

/** Time as the outage loop sees it: the wall clock in the function, a fake one in tests. */
export interface Clock {
  /** Milliseconds since some fixed point (Date.now). */
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

export const SYSTEM_CLOCK: Clock = { now: Date.now, sleep };

export interface OutagePolicy {
  /** Longest wait in one invocation (INGEST_OUTAGE_BUDGET_SECONDS). */
  budgetMs: number;
  /** The function's remaining time (Lambda context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Kept free at the end of the invocation for the last attempt to finish. */
  marginMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Immediate retries after lock conflicts, in one invocation. */
  conflictRetries: number;
  /** Retries after a refused login (the pool re-reads the secret before each). */
  credentialRetries: number;
  clock: Clock;
  /** Told about each failed attempt that will be retried (for a log line). */
  onRetry?: (retry: { attempt: number; kind: ErrorKind; error: unknown; delayMs: number }) => void;
}

export const OUTAGE_DEFAULTS = {
  marginMs: 30_000,
  initialDelayMs: 250,
  maxDelayMs: 5_000,
  conflictRetries: 5,
  credentialRetries: 4,
  clock: SYSTEM_CLOCK,
} as const;

/**
 * Runs `attempt` (given its number, from 1) until it succeeds or an error is not worth retrying,
 * and throws that error.
 */
export async function retryDatabase<T>(attempt: (number: number) => Promise<T>, policy: OutagePolicy): Promise<T> {
  const { clock } = policy;
  const deadline = clock.now() + Math.min(policy.budgetMs, policy.remainingMs() - policy.marginMs);
  const retries: Record<ErrorKind, number> = { unavailable: 0, credentials: 0, conflict: 0, data: 0, defect: 0 };
  for (let number = 1; ; number += 1) {
    try {
      return await attempt(number);
    } catch (error) {
      const kind = classifyError(error);
      const delayMs = delayBefore(kind, retries, policy);
      if (delayMs === undefined || clock.now() + delayMs > deadline) throw error;
      retries[kind] += 1;
      policy.onRetry?.({ attempt: number, kind, error, delayMs });
      if (delayMs > 0) await clock.sleep(delayMs);
    }
  }
}

/** The wait before the next attempt after an error of `kind`, or undefined: give up. */
function delayBefore(kind: ErrorKind, retries: Record<ErrorKind, number>, policy: OutagePolicy): number | undefined {
  if (kind === 'conflict') return retries.conflict < policy.conflictRetries ? 0 : undefined;
  if (kind === 'credentials' && retries.credentials >= policy.credentialRetries) return undefined;
  if (kind !== 'unavailable' && kind !== 'credentials') return undefined;
  const waited = retries.unavailable + retries.credentials;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** waited);
}

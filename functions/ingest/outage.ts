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
  /** Told about each failed attempt that will be retried (for a log line). */
  onRetry?: (retry: { attempt: number; kind: ErrorKind; error: unknown; delayMs: number }) => void;
}

export const OUTAGE_DEFAULTS = {
  marginMs: 30_000,
  initialDelayMs: 250,
  maxDelayMs: 5_000,
  conflictRetries: 5,
  credentialRetries: 4,
} as const;

/**
 * Runs `attempt` until it succeeds or an error is not worth retrying. `failed`: an error the
 * caller's own first attempt already had (the pipelined write), handled as if `attempt` had thrown it.
 */
export async function retryDatabase<T>(attempt: () => Promise<T>, policy: OutagePolicy, failed?: { error: unknown }): Promise<T> {
  const deadline = Date.now() + Math.min(policy.budgetMs, policy.remainingMs() - policy.marginMs);
  const retries: Record<ErrorKind, number> = { unavailable: 0, credentials: 0, conflict: 0, data: 0, defect: 0 };
  let last = failed;
  for (let tries = failed ? 2 : 1; ; tries += 1) {
    if (last) {
      const kind = classifyError(last.error);
      const delayMs = delayBefore(kind, retries, policy);
      if (delayMs === undefined || Date.now() + delayMs > deadline) throw last.error;
      retries[kind] += 1;
      policy.onRetry?.({ attempt: tries - 1, kind, error: last.error, delayMs });
      if (delayMs > 0) await sleep(delayMs);
    }
    try {
      return await attempt();
    } catch (error) {
      last = { error };
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

import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../shared/config.js';
import { isDataError } from '../../shared/db/errors.js';

/**
 * Waiting out a database outage inside the invocation. The event-source mapping's own retries
 * come with little or no spacing (AWS documents none), so 10 quick retries would send valid
 * orders to the DLQ during an RDS failover (60–120 s). Instead the invocation keeps retrying
 * with backoff for up to the outage budget, never past the function's remaining time minus a
 * margin that one more attempt (connect + statement timeouts) fits in; then it throws and the
 * mapping retries the batch. docs/ingest.md gives the resulting outage budget.
 *
 * Only errors that are not data errors count as an outage: a data error (SQLSTATE class 22/23)
 * belongs to a record and is handled by the store, never retried here.
 */
export interface OutagePolicy {
  /** Longest wait in one invocation (INGEST_OUTAGE_BUDGET_SECONDS). */
  budgetMs: number;
  /** The function's remaining time (Lambda context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Kept free at the end of the invocation for the last attempt to finish. */
  marginMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Told about each failed attempt that will be retried (for a log line). */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

export const OUTAGE_DEFAULTS = { marginMs: 30_000, initialDelayMs: 250, maxDelayMs: 5_000 } as const;

/** An error of this process rather than of the database (e.g. classifying a record failed): never waited out. */
export class NotAnOutage extends Error {
  override name = 'NotAnOutage';
}

/** Errors that retrying cannot fix: a data error, a configuration that names no database, a bug here. */
function isPermanent(error: unknown): boolean {
  return isDataError(error) || error instanceof NotAnOutage || error instanceof ConfigError;
}

export async function retryDuringOutage<T>(attempt: () => Promise<T>, policy: OutagePolicy): Promise<T> {
  const started = Date.now();
  const deadline = started + Math.min(policy.budgetMs, policy.remainingMs() - policy.marginMs);
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (tries - 1));
      if (isPermanent(error) || Date.now() + delayMs > deadline) throw error;
      policy.onRetry?.(tries, error, delayMs);
      await sleep(delayMs);
    }
  }
}

/**
 * The retry policy of the event-source mapping, as pure functions: given the records just sent to
 * the function and what it answered, which records are done, which go again (after how long),
 * which are split, and which go to the on-failure destination. No Kafka, no timers, no clock of
 * its own: processor.ts runs it, test/unit/esm-policy.test.ts checks it rule by rule.
 *
 * The rules and where AWS states them:
 *  - partial batch response (ReportBatchItemFailures): Lambda "can retry only the failed records"
 *    (docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html); per partition the
 *    lowest failed offset is the checkpoint and every record from it on is retried, as the
 *    Kinesis page says for sequence numbers
 *    (docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html);
 *  - a function error (thrown, timed out, or an unreadable batch response, which the Kinesis page
 *    counts as a complete failure) retries the whole batch; with BisectBatchOnFunctionError the
 *    batch is split in two first, and "splitting a batch does not count towards the retry quota"
 *    (docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html);
 *  - MaximumRetryAttempts: retries after the first invocation; -1 = forever
 *    (kafka-retry-configurations.html);
 *  - MaximumRecordAgeInSeconds: older records are not sent to the function but to the
 *    destination (kafka-retry-configurations.html, kafka-on-failure-destination.html);
 *  - the on-failure destination gets the records that exhausted their retries or aged out
 *    (docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html).
 */
import { bisect, judgeResponse, type SourceRecord } from './batch.js';

export interface BackoffOptions {
  initialMs: number;
  multiplier: number;
  maxMs: number;
}

export interface RetrySettings {
  /** AWS MaximumRetryAttempts: retries after the first invocation; -1 = forever (no DLQ). */
  maxRetryAttempts: number;
  /** AWS BisectBatchOnFunctionError. */
  bisectOnError: boolean;
  /** Wait before a retry that follows a function error (AWS documents none; see ESM_DEFAULTS). */
  errorBackoff: BackoffOptions;
  /** Wait before a retry that follows a partial batch response (AWS documents none). */
  partialBackoff: BackoffOptions;
}

/** Records to send to the function together, and what they have been through. */
export interface Attempt {
  records: SourceRecord[];
  /** Retries used so far (a bisection inherits its parent's count). */
  retries: number;
  /** Invocations that included these records (all records of an attempt share it). */
  invocations: number;
}

/** What the invoker reports: the function's answer, or its error (thrown or timed out). */
export type Outcome = { ok: true; response: unknown } | { ok: false; error: Error };

/** Records for the on-failure destination; `reason` set = the last invocation failed as a whole (a function error). */
export interface DlqBatch {
  records: SourceRecord[];
  condition: 'RetriesExhausted' | 'RecordAgeExceeded';
  reason?: string;
  attempts: number;
}

export interface Step {
  verdict: 'success' | 'partial' | 'function-error';
  /** Why a function error happened (for logs and the DLQ). */
  reason?: string;
  /** Records done: they may be committed. */
  settled: SourceRecord[];
  /** Records out of retries: committed once written to the DLQ. */
  dlq?: DlqBatch;
  /** Work to do next, in this order, before anything else of the batch. */
  next: Attempt[];
  /** Wait before `next`. */
  delayMs: number;
}

export const firstAttempt = (records: SourceRecord[]): Attempt => ({ records, retries: 0, invocations: 0 });

/** Delay before retry number `retry` (1-based): exponential, capped. */
export function backoffDelay(retry: number, { initialMs, multiplier, maxMs }: BackoffOptions): number {
  return Math.min(maxMs, initialMs * multiplier ** Math.max(0, retry - 1));
}

/** Total time `retries` retries wait in all. */
export function totalBackoff(retries: number, backoff: BackoffOptions): number {
  let total = 0;
  for (let retry = 1; retry <= retries; retry += 1) total += backoffDelay(retry, backoff);
  return total;
}

const exhausted = (attempt: Attempt, settings: RetrySettings) =>
  settings.maxRetryAttempts >= 0 && attempt.retries >= settings.maxRetryAttempts;

/** MaximumRecordAgeInSeconds: splits records into those too old to send and the rest; -1 = off. */
export function splitByAge(records: readonly SourceRecord[], now: number, maxRecordAgeMs: number) {
  if (maxRecordAgeMs < 0) return { expired: [] as SourceRecord[], fresh: [...records] };
  const oldest = now - maxRecordAgeMs;
  return { expired: records.filter((record) => record.timestamp < oldest), fresh: records.filter((record) => record.timestamp >= oldest) };
}

/** The step after `attempt` (its `invocations` already counting this one) got `outcome`. */
export function decide(attempt: Attempt, outcome: Outcome, settings: RetrySettings): Step {
  const verdict = outcome.ok ? judgeResponse(attempt.records, outcome.response) : undefined;
  if (verdict?.kind === 'success') return { verdict: 'success', settled: attempt.records, next: [], delayMs: 0 };
  if (verdict?.kind === 'partial') return afterPartialFailure(attempt, verdict, settings);
  const reason = outcome.ok
    ? `invalid function response: ${verdict?.kind === 'invalid-response' ? verdict.reason : ''}`
    : `function error: ${outcome.error.message}`;
  return afterFunctionError(attempt, reason, settings);
}

function afterFunctionError(attempt: Attempt, reason: string, settings: RetrySettings): Step {
  const base = { verdict: 'function-error' as const, reason };
  if (settings.bisectOnError && attempt.records.length > 1) {
    const halves = bisect(attempt.records).map((records) => ({ ...attempt, records }));
    return { ...base, settled: [], next: halves, delayMs: 0 };
  }
  if (exhausted(attempt, settings)) {
    const dlq: DlqBatch = { records: attempt.records, condition: 'RetriesExhausted', reason, attempts: attempt.invocations };
    return { ...base, settled: [], dlq, next: [], delayMs: 0 };
  }
  const retries = attempt.retries + 1;
  return { ...base, settled: [], next: [{ ...attempt, retries }], delayMs: backoffDelay(retries, settings.errorBackoff) };
}

function afterPartialFailure(
  attempt: Attempt,
  verdict: Extract<ReturnType<typeof judgeResponse>, { kind: 'partial' }>,
  settings: RetrySettings,
): Step {
  if (exhausted(attempt, settings)) {
    const failed = new Set(verdict.failed);
    const settled = attempt.records.filter((record) => !failed.has(record));
    const dlq: DlqBatch = { records: verdict.failed, condition: 'RetriesExhausted', attempts: attempt.invocations };
    return { verdict: 'partial', settled, dlq, next: [], delayMs: 0 };
  }
  const retries = attempt.retries + 1;
  const next = [{ ...attempt, records: verdict.retry, retries }];
  return { verdict: 'partial', settled: verdict.done, next, delayMs: backoffDelay(retries, settings.partialBackoff) };
}

/**
 * Runs one batch through the function until every record is done or in the DLQ, following the
 * retry policy (policy.ts). Waits between retries end at once when `signal` aborts (stop or a
 * fatal error elsewhere): the records not settled by then are simply not committed.
 */
import type { SourceRecord } from './batch.js';
import { type Clock, systemClock } from './clock.js';
import type { WriteDlq } from './dlq-writer.js';
import type { Invoke } from './invoker.js';
import type { Log } from './options.js';
import { type Attempt, decide, firstAttempt, type RetrySettings, type Step, splitByAge } from './policy.js';

export interface ProcessorStats {
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  recordsToDlq: number;
}

export interface ProcessorDeps {
  invoke: Invoke;
  writeDlq: WriteDlq;
  settings: RetrySettings & { maxRecordAgeMs: number };
  stats: ProcessorStats;
  log: Log;
  signal: AbortSignal;
  /** Record age and retry waits; the system clock by default. */
  clock?: Clock;
}

export interface BatchResult {
  /** Records done or in the DLQ: they may be committed. */
  settled: Set<SourceRecord>;
  /** Set if the batch could not finish for a reason other than stopping (e.g. the DLQ write failed). */
  error?: Error;
}

export async function processBatch(records: SourceRecord[], deps: ProcessorDeps): Promise<BatchResult> {
  const settled = new Set<SourceRecord>();
  const work: Attempt[] = [firstAttempt(records)];
  try {
    while (work.length > 0) {
      deps.signal.throwIfAborted();
      const attempt = await dropExpired(work.shift()!, deps, settled);
      if (attempt.records.length === 0) continue;
      const invoked = { ...attempt, invocations: attempt.invocations + 1 };
      deps.stats.invocations += 1;
      const step = decide(invoked, await deps.invoke(invoked.records), deps.settings);
      await apply(step, invoked, deps, settled);
      work.unshift(...step.next);
      if (step.next.length > 0 && step.delayMs > 0) await (deps.clock ?? systemClock).sleep(step.delayMs, deps.signal);
    }
    return { settled };
  } catch (error) {
    if (deps.signal.aborted) return { settled };
    return { settled, error: error as Error };
  }
}

/** MaximumRecordAgeInSeconds: records too old go to the DLQ without an invocation. */
async function dropExpired(attempt: Attempt, deps: ProcessorDeps, settled: Set<SourceRecord>): Promise<Attempt> {
  const maxRecordAgeMs = deps.settings.maxRecordAgeMs;
  const { expired, fresh } = splitByAge(attempt.records, (deps.clock ?? systemClock).now(), maxRecordAgeMs);
  if (expired.length === 0) return attempt;
  await deps.writeDlq({
    records: expired,
    condition: 'RecordAgeExceeded',
    reason: `older than ${maxRecordAgeMs} ms`,
    attempts: attempt.invocations,
  });
  deps.stats.recordsToDlq += expired.length;
  for (const record of expired) settled.add(record);
  return { ...attempt, records: fresh };
}

async function apply(step: Step, attempt: Attempt, deps: ProcessorDeps, settled: Set<SourceRecord>): Promise<void> {
  const { stats, log } = deps;
  for (const record of step.settled) settled.add(record);
  if (step.verdict === 'partial') stats.partialFailures += 1;
  if (step.verdict === 'function-error') {
    stats.functionErrors += 1;
    const fields = { records: attempt.records.length, reason: step.reason };
    if (step.next.length > 1) log('info', 'invocation failed; bisecting the batch', fields);
    else if (step.next.length === 1) log('warn', 'invocation failed; retrying', { ...fields, retry: step.next[0]!.retries });
  }
  if (step.dlq) {
    await deps.writeDlq(step.dlq);
    stats.recordsToDlq += step.dlq.records.length;
    for (const record of step.dlq.records) settled.add(record);
  }
}

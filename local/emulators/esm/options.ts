import type { KafkaClientOptions } from '../../../shared/kafka/client.js';
import { MAPPING_MAX_RECORD_AGE_SECONDS, MAPPING_RETRY_ATTEMPTS } from '../../../shared/kafka/mapping.js';
import { DEFAULT_DLQ_TOPIC, DEFAULT_ORDERS_TOPIC } from '../../../shared/kafka/topics.js';
import { deployedConfig, mappingConcurrency } from '../lambda/settings.js';
import { type Clock, systemClock } from './clock.js';
import type { EsmFunction, Invocation } from './invoker.js';
import type { BackoffOptions } from './policy.js';

/** The emulator's settings: what the event-source mapping and the function are configured with. */

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface EmulatorOptions {
  brokers: string | string[];
  /** The function to invoke, e.g. functions/ingest/handler.ts `handler`. */
  handler: EsmFunction;
  topic?: string;
  dlqTopic?: string;
  groupId?: string;
  /** TLS / IAM for the cluster (as the producer CLI takes them). */
  client?: Pick<KafkaClientOptions, 'tls' | 'iam'>;
  batchSize?: number;
  batchWindowMs?: number;
  /** Retries after the first invocation (AWS MaximumRetryAttempts); -1 = forever (no DLQ). */
  maxRetryAttempts?: number;
  bisectOnError?: boolean;
  /** Wait before a retry that follows a function error (thrown, timed out, unreadable answer). */
  backoff?: BackoffOptions;
  /** Wait before a retry that follows a partial batch response. */
  partialBackoff?: BackoffOptions;
  /** Records older than this go to the DLQ without an invocation (AWS MaximumRecordAgeInSeconds); -1 = off. */
  maxRecordAgeMs?: number;
  /** Batches in flight at once (each from different partitions); default: the deployed mapping's (settings.ts). */
  concurrency?: number;
  /** The function's configured timeout: a longer invocation is a function error. */
  functionTimeoutMs?: number;
  functionName?: string;
  sessionTimeoutMs?: number;
  /** Called after every invocation (tests check the event; benchmarks count). */
  onInvoke?: (invocation: Invocation) => void;
  /** Operational log lines (positions, counts, reasons; never record contents). */
  log?: Log;
  /** Record age and the waits between retries; the system clock by default (tests observe the waits through it). */
  clock?: Clock;
}

/**
 * Defaults: AWS's for batching (BatchSize 100, 500 ms window). AWS documents no spacing between
 * retries, so the waits are ours:
 *  - after a function error (the database down) exponential, 0.5 s doubling to 10 s: the 10
 *    retries wait 0.5 + 1 + 2 + 4 + 8 + 5 × 10 s = 65.5 s in all, on top of the invocations
 *    themselves (each may wait inside up to `functionTimeoutMs` for the database);
 *  - after a partial batch response none: the records reported failed are the function's verdict
 *    on their content, which a wait does not change, and a batch holds its partition while it
 *    waits, so a poison record reaches the DLQ after 11 quick invocations instead of stalling
 *    its partition for seconds. Set `partialBackoff` (e.g. 100 ms doubling to 1 s, 7.5 s for 10
 *    retries) to space them.
 */
const deployed = deployedConfig();

export const ESM_DEFAULTS = {
  topic: DEFAULT_ORDERS_TOPIC,
  dlqTopic: DEFAULT_DLQ_TOPIC,
  groupId: 'order-pipeline-ingest',
  batchSize: 100,
  batchWindowMs: 500,
  // The deployed mapping's (shared/kafka/mapping.ts).
  maxRetryAttempts: MAPPING_RETRY_ATTEMPTS.fallback,
  bisectOnError: true,
  backoff: { initialMs: 500, multiplier: 2, maxMs: 10_000 },
  partialBackoff: { initialMs: 0, multiplier: 2, maxMs: 1_000 },
  maxRecordAgeMs: MAPPING_MAX_RECORD_AGE_SECONDS.fallback * 1000,
  // As AWS runs the deployed mapping: one batch in flight per partition, up to pollers × 5
  // invocations, capped by the function's reserved concurrency (infra/config.ts; 6 by default).
  concurrency: mappingConcurrency(deployed),
  // The ingest function's timeout as deployed: the outage budget plus a minute (infra/config.ts).
  functionTimeoutMs: deployed.consumer.timeoutSeconds * 1000,
  functionName: 'ingest-local',
  sessionTimeoutMs: 10_000,
} as const;

export type ResolvedOptions = Omit<Required<EmulatorOptions>, 'client' | 'onInvoke' | 'brokers'> &
  Pick<EmulatorOptions, 'client' | 'onInvoke'> & { brokers: string[] };

const defaultLog: Log = (level, message, fields) => {
  if (level === 'info') return;
  process.stderr.write(
    `${JSON.stringify({ level: level.toUpperCase(), source: 'esm', message, ...fields, timestamp: new Date().toISOString() })}\n`,
  );
};

/** Options left undefined take the defaults. */
export function resolveOptions(options: EmulatorOptions, brokers: string[]): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<EmulatorOptions>;
  return { ...ESM_DEFAULTS, log: defaultLog, clock: systemClock, ...defined, handler: options.handler, brokers };
}

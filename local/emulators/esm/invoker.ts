/**
 * The invoker: turns records into the MSK event, calls the function with a Lambda context whose
 * deadline is `functionTimeoutMs` away, and reports the answer or the error. An invocation that
 * runs past the timeout is a function error ("Task timed out after N seconds", Lambda's wording);
 * the in-process call cannot be killed as Lambda kills a sandbox, so it runs on unobserved.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import type { KafkaEvent } from '../../../shared/kafka/event.js';
import { PipelineError } from '../../../shared/errors.js';
import { buildKafkaEvent, LOCAL_CLUSTER_ARN } from '../kafka-event.js';
import { localLambdaContext } from '../lambda-context.js';
import { serializesEvents, unchanging } from '../serialized-events.js';
import type { SourceRecord } from './batch.js';
import type { Outcome } from './policy.js';

export type EsmFunction = (event: KafkaEvent, context: Context) => Promise<unknown>;

export interface Invocation {
  event: KafkaEvent;
  records: number;
  durationMs: number;
  result?: unknown;
  error?: Error;
}

export interface InvokerSettings {
  handler: EsmFunction;
  functionName: string;
  functionTimeoutMs: number;
  bootstrapServers: string;
  onInvoke?: (invocation: Invocation) => void;
}

export type Invoke = (records: readonly SourceRecord[]) => Promise<Outcome>;

const TIMED_OUT = Symbol('timed out');

/** The function did not answer in time: `unavailable`, the event source retries the batch. */
class FunctionTimeoutError extends PipelineError {
  override readonly name = 'FunctionTimeoutError';
  constructor(timeoutMs: number) {
    super('unavailable', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

async function callWithTimeout(call: () => Promise<unknown>, timeoutMs: number): Promise<Outcome> {
  const timer = new AbortController();
  // Resolves TIMED_OUT after the timeout; aborted (and silenced) once the call settles first.
  const timeout = delay(timeoutMs, TIMED_OUT, { signal: timer.signal }).catch(() => undefined);
  try {
    const answer = await Promise.race([call().then((response) => ({ response })), timeout]);
    if (answer === TIMED_OUT || answer === undefined) return { ok: false, error: new FunctionTimeoutError(timeoutMs) };
    return { ok: true, response: answer.response };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    timer.abort();
  }
}

/**
 * The MSK event for `records`. For a handler that only sends its events on as JSON
 * (serialized-events.ts), a retry of the same records gets the event object of the previous
 * attempt, kept by its first record until the batch is gone and never changed (`unchanging`).
 */
function eventBuilder(handler: EsmFunction, bootstrapServers: string): (records: readonly SourceRecord[]) => KafkaEvent {
  const build = (records: readonly SourceRecord[]) =>
    buildKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers });
  if (!serializesEvents(handler)) return build;
  const previous = new WeakMap<SourceRecord, { records: readonly SourceRecord[]; event: KafkaEvent }>();
  return (records) => {
    const first = records[0];
    const last = first && previous.get(first);
    if (last && last.records.length === records.length && last.records.every((record, index) => record === records[index]))
      return last.event;
    const event = unchanging(build(records));
    if (first) previous.set(first, { records, event });
    return event;
  };
}

export function createInvoker(settings: InvokerSettings): Invoke {
  const { handler, functionName, functionTimeoutMs, bootstrapServers, onInvoke } = settings;
  const eventFor = eventBuilder(handler, bootstrapServers);
  return async (records) => {
    const event = eventFor(records);
    const started = performance.now();
    const context = localLambdaContext({ functionName, timeoutMs: functionTimeoutMs });
    const outcome = await callWithTimeout(() => handler(event, context), functionTimeoutMs);
    const reported = outcome.ok ? { result: outcome.response } : { error: outcome.error };
    onInvoke?.({ event, records: records.length, durationMs: performance.now() - started, ...reported });
    return outcome;
  };
}

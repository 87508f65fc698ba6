/**
 * The dispatcher: takes ready batches from the batcher and runs up to `concurrency` of them at
 * once (each on partitions no other running batch holds). It sleeps until the batcher changes,
 * the batching window of the oldest record closes, or `signal` aborts; then it waits for the
 * batches in flight and returns.
 */
import { once } from 'node:events';
import type { SourceRecord } from './batch.js';
import type { Batcher } from './batcher.js';

export interface DispatcherSettings {
  batcher: Batcher;
  concurrency: number;
  signal: AbortSignal;
  /** Runs one batch to its end (processing and commit); must not reject. */
  run: (batch: SourceRecord[]) => Promise<void>;
}

const IDLE_MS = 1_000;

/** Resolves on the batcher's next change, after `ms`, or when `signal` aborts, whichever comes first. */
async function changeOrTimeout(batcher: Batcher, ms: number, signal: AbortSignal): Promise<void> {
  await once(batcher, 'change', { signal: AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, ms))]) }).catch(() => undefined);
}

export async function dispatch({ batcher, concurrency, signal, run }: DispatcherSettings): Promise<void> {
  const active = new Set<Promise<void>>();
  while (!signal.aborted) {
    let waitMs = IDLE_MS;
    if (active.size < concurrency) {
      const next = batcher.next(Date.now());
      if ('batch' in next) {
        const { batch } = next;
        const running: Promise<void> = run(batch).finally(() => {
          active.delete(running);
          batcher.release(batch);
        });
        active.add(running);
        continue;
      }
      waitMs = next.waitMs ?? IDLE_MS;
    }
    await changeOrTimeout(batcher, waitMs, signal);
  }
  await Promise.allSettled([...active]);
}

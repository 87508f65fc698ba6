/**
 * The batcher: records fetched from Kafka wait here until a batch is ready, as the event-source
 * mapping batches them (BatchSize, MaximumBatchingWindowInSeconds): a batch is ready when
 * `batchSize` records wait, or when the oldest has waited `batchWindowMs`. One batch per partition
 * at a time keeps each partition in order. In memory only (unit-tested without Kafka); emits
 * `change` whenever a batch may have become ready.
 */
import { EventEmitter } from 'node:events';
import { partitionName } from '../../../shared/kafka/event.js';
import type { SourceRecord } from './batch.js';

export interface BatcherSettings {
  batchSize: number;
  batchWindowMs: number;
  /** Above this many waiting records the poller stops fetching (back-pressure). */
  maxWaiting: number;
}

interface Waiting {
  record: SourceRecord;
  arrivedAt: number;
}

type NextBatch = { batch: SourceRecord[] } | { waitMs: number | undefined };

export class Batcher extends EventEmitter<{ change: [] }> {
  readonly #settings: BatcherSettings;
  #waiting: Waiting[] = [];
  readonly #busy = new Set<string>();

  constructor(settings: BatcherSettings) {
    super();
    this.#settings = settings;
  }

  get size(): number {
    return this.#waiting.length;
  }

  get full(): boolean {
    return this.#waiting.length >= this.#settings.maxWaiting;
  }

  add(records: readonly SourceRecord[], now: number): void {
    for (const record of records) this.#waiting.push({ record, arrivedAt: now });
    this.emit('change');
  }

  /** After a rebalance the group re-reads from committed offsets: what waits would come twice. */
  clear(): void {
    this.#waiting = [];
    this.emit('change');
  }

  /** The next ready batch (its partitions become busy), or how long until one may be ready. */
  next(now: number): NextBatch {
    const available = this.#waiting.filter((entry) => !this.#busy.has(partitionName(entry.record)));
    const oldest = available[0];
    if (!oldest) return { waitMs: undefined };
    const { batchSize, batchWindowMs } = this.#settings;
    if (available.length < batchSize && now - oldest.arrivedAt < batchWindowMs) return { waitMs: oldest.arrivedAt + batchWindowMs - now };
    const taken = new Set(available.slice(0, batchSize));
    this.#waiting = this.#waiting.filter((entry) => !taken.has(entry));
    const batch = [...taken].map((entry) => entry.record);
    for (const record of batch) this.#busy.add(partitionName(record));
    return { batch };
  }

  /** The batch is finished (committed or given up): its partitions may take the next batch. */
  release(batch: readonly SourceRecord[]): void {
    for (const record of batch) this.#busy.delete(partitionName(record));
    this.emit('change');
  }
}

/**
 * What a function's answer means for the records of a batch (the retry policy in policy.ts acts
 * on it). No Kafka, no timers: unit-tested on its own (test/unit/esm-batch.test.ts).
 *
 * AWS semantics followed (docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html and,
 * for the checkpoint rule that Kafka shares with streams,
 * docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html):
 *  - an empty or absent `batchItemFailures` is a complete success;
 *  - per partition, the lowest reported offset is the checkpoint: records before it are done,
 *    records from it on are retried (successful ones included);
 *  - an item identifier that names no record of the batch, or is malformed, makes the whole batch a
 *    failure (the Kinesis page lists an empty, null or wrongly keyed itemIdentifier as "complete
 *    failure"; Lambda then retries it by its retry policy, as a function error).
 */
import { partitionName } from '../../../shared/kafka/event.js';

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | undefined>;
}

export type BatchVerdict =
  /** Everything done. */
  | { kind: 'success' }
  /** Partial batch response: `done` may be committed, `retry` goes again, `failed` are the reported ones. */
  | { kind: 'partial'; done: SourceRecord[]; retry: SourceRecord[]; failed: SourceRecord[] }
  /** The answer cannot be read as a partial batch response: the whole batch failed. */
  | { kind: 'invalid-response'; reason: string };

interface ItemIdentifier {
  partition: unknown;
  offset: unknown;
}

const recordId = (partition: string, offset: number) => `${partition}@${offset}`;

/** Reads a function's answer for `records` the way the event-source mapping does. */
export function judgeResponse(records: readonly SourceRecord[], response: unknown): BatchVerdict {
  if (response === undefined || response === null || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid-response', reason: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'success' };

  const byId = new Map(records.map((record) => [recordId(partitionName(record), record.offset), record]));
  const checkpoints = new Map<string, number>();
  const failedIds = new Set<string>();
  for (const failure of failures as Array<{ itemIdentifier?: ItemIdentifier } | null>) {
    const identifier = failure?.itemIdentifier;
    const partition = identifier?.partition;
    const offset = typeof identifier?.offset === 'string' ? Number(identifier.offset) : identifier?.offset;
    if (typeof partition !== 'string' || typeof offset !== 'number' || !byId.has(recordId(partition, offset))) {
      return { kind: 'invalid-response', reason: `batch item failure ${JSON.stringify(identifier ?? null)} names no record of the batch` };
    }
    failedIds.add(recordId(partition, offset));
    checkpoints.set(partition, Math.min(checkpoints.get(partition) ?? Number.POSITIVE_INFINITY, offset));
  }

  const done: SourceRecord[] = [];
  const retry: SourceRecord[] = [];
  const failed: SourceRecord[] = [];
  for (const record of records) {
    const name = partitionName(record);
    const checkpoint = checkpoints.get(name);
    if (checkpoint === undefined || record.offset < checkpoint) done.push(record);
    else retry.push(record);
    if (failedIds.has(recordId(name, record.offset))) failed.push(record);
  }
  return { kind: 'partial', done, retry, failed };
}

/** Splits a batch in two halves that keep each partition's order (the first half runs first). */
export function bisect(records: readonly SourceRecord[]): [SourceRecord[], SourceRecord[]] {
  const middle = Math.ceil(records.length / 2);
  return [records.slice(0, middle), records.slice(middle)];
}

/**
 * The committer: after a batch, commits per partition the offset after the last record of an
 * unbroken run of settled records (done, or written to the DLQ). A record not settled (the
 * emulator stopped or failed) stops its partition there: it and what follows come again.
 */
import type { Consumer } from 'kafkajs';
import { partitionName } from '../../../shared/kafka/event.js';
import type { SourceRecord } from './batch.js';
import type { Log } from './options.js';

export interface CommitPosition {
  topic: string;
  partition: number;
  /** The next offset to read (Kafka's convention: last processed + 1). */
  offset: number;
}

/** Positions to commit and how many records they cover. */
export function commitPositions(
  batch: readonly SourceRecord[],
  settled: ReadonlySet<SourceRecord>,
): { positions: CommitPosition[]; records: number } {
  const next = new Map<string, CommitPosition>();
  const stuck = new Set<string>();
  let records = 0;
  for (const record of [...batch].sort((a, b) => a.offset - b.offset)) {
    const name = partitionName(record);
    if (stuck.has(name)) continue;
    if (!settled.has(record)) {
      stuck.add(name);
      continue;
    }
    next.set(name, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    records += 1;
  }
  return { positions: [...next.values()], records };
}

export type Commit = (batch: readonly SourceRecord[], settled: ReadonlySet<SourceRecord>) => Promise<number>;

/** Commits what is settled; returns the number of records committed (0 if the commit failed). */
export function createCommitter(consumer: Pick<Consumer, 'commitOffsets'>, log: Log): Commit {
  return async (batch, settled) => {
    const { positions, records } = commitPositions(batch, settled);
    if (positions.length === 0) return 0;
    try {
      await consumer.commitOffsets(positions.map((position) => ({ ...position, offset: String(position.offset) })));
      return records;
    } catch (error) {
      // A rebalance took the partition: whoever owns it now starts from the last commit (redelivery is harmless).
      log('warn', 'offset commit failed; the records will be delivered again', { error: (error as Error).message });
      return 0;
    }
  };
}

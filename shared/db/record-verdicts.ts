/**
 * What ingest decided about Kafka records the event-source mapping will deliver again, kept in
 * PostgreSQL (migrations/1765065600000_record-verdicts.sql) so that every execution environment
 * knows it: a retry lands in whichever environment is idle. Read with one query per invocation,
 * written with one statement per batch that reports a failure (in the batch's transaction when
 * it has one), which also prunes what no retry can ask for any more. A partition's verdicts of
 * one batch are one row (a JSON array), so keeping them costs PostgreSQL one tuple.
 */
import type pg from 'pg';
import type { Rejection } from '../order/classify.js';

/** A verdict as kept: the order is stored (acknowledged), or the record is rejected. */
export type KeptVerdict = { status: 'acknowledged' } | { status: 'rejected'; rejection: Rejection };

/** One record's kept verdict, at its position, for the value with this digest. */
export type RecordVerdict = {
  topic: string;
  partition: number;
  offset: number;
  /** A digest of the record's value as the event carries it (ingest's memo digest). */
  digest: string;
} & KeptVerdict;

/** The offsets of one partition an event holds, first to last. */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: number;
  last: number;
}

/** What to keep: verdicts to write, and per partition the offset below which nothing is needed any more. */
export interface KeptVerdicts {
  verdicts: readonly RecordVerdict[];
  /** Per partition: the verdicts of rows that end below `below` are deleted (the mapping has moved past them). */
  prune: ReadonlyArray<{ topic: string; partition: number; below: number }>;
}

/** One record in a row's `verdicts` array. */
type Entry = { offset: number; digest: string; rejection?: Rejection };
/** A row of the look-up: one partition of one batch. */
export type RecordVerdictRow = { topic: string; partition: number; verdicts: Entry[] };

/** $1..$4: topic, partition, first and last offset per partition → the rows that overlap them. */
const SELECT_RECORD_VERDICTS = /* sql */ `
SELECT v.topic, v."partition", v.verdicts
FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) AS w(topic, "partition", first, last)
JOIN record_verdicts v ON v.topic = w.topic AND v."partition" = w."partition"
                      AND v.first_offset <= w.last AND v.last_offset >= w.first
ORDER BY v.decided_at`;

/**
 * $1: the rows (a JSON array), $2: the pruning per partition (a JSON array). A partition's
 * deleted rows end below its lowest failed offset and its written row starts at or above it: they
 * never meet. Rows are written in key order (every writer locks them in the same order).
 */
const KEEP_RECORD_VERDICTS = /* sql */ `
WITH pruned AS (
  DELETE FROM record_verdicts v
  USING jsonb_to_recordset($2::jsonb) AS p(topic text, "partition" integer, below bigint)
  WHERE v.topic = p.topic AND v."partition" = p."partition" AND v.last_offset < p.below
)
INSERT INTO record_verdicts (topic, "partition", first_offset, last_offset, verdicts)
SELECT topic, "partition", first_offset, last_offset, verdicts
FROM jsonb_to_recordset($1::jsonb) AS i(topic text, "partition" integer, first_offset bigint, last_offset bigint, verdicts jsonb)
ORDER BY topic, "partition", first_offset
ON CONFLICT (topic, "partition", first_offset) DO UPDATE
  SET last_offset = EXCLUDED.last_offset, verdicts = EXCLUDED.verdicts, decided_at = now()`;

/** The query that finds the kept verdicts within `ranges` (read its rows with `recordVerdicts`). */
export function findRecordVerdicts(ranges: readonly OffsetRange[]): pg.QueryConfig {
  return {
    name: 'select-record-verdicts',
    text: SELECT_RECORD_VERDICTS,
    values: [ranges.map((r) => r.topic), ranges.map((r) => r.partition), ranges.map((r) => r.first), ranges.map((r) => r.last)],
  };
}

/** The rows of findRecordVerdicts as verdicts, one per record (a later row's verdict wins). */
export function recordVerdicts(rows: readonly RecordVerdictRow[]): RecordVerdict[] {
  return rows.flatMap(({ topic, partition, verdicts }) =>
    verdicts.map(({ offset, digest, rejection }): RecordVerdict => {
      const position = { topic, partition, offset, digest };
      return rejection ? { ...position, status: 'rejected', rejection } : { ...position, status: 'acknowledged' };
    }),
  );
}

/**
 * The statement that keeps `kept` (one row per partition) and prunes.
 *
 * @example
 * await client.query(keepRecordVerdicts({
 *   verdicts: [{ topic: 'orders', partition: 0, offset: 120, digest, status: 'acknowledged' }],
 *   prune: [{ topic: 'orders', partition: 0, below: 120 }],
 * }));
 */
export function keepRecordVerdicts(kept: KeptVerdicts): pg.QueryConfig {
  const rows = new Map<string, { topic: string; partition: number; first_offset: number; last_offset: number; verdicts: Entry[] }>();
  for (const verdict of kept.verdicts) {
    const key = `${verdict.topic}\u0000${verdict.partition}`;
    const row = rows.get(key) ?? {
      topic: verdict.topic,
      partition: verdict.partition,
      first_offset: verdict.offset,
      last_offset: verdict.offset,
      verdicts: [],
    };
    rows.set(key, row);
    row.first_offset = Math.min(row.first_offset, verdict.offset);
    row.last_offset = Math.max(row.last_offset, verdict.offset);
    row.verdicts.push({
      offset: verdict.offset,
      digest: verdict.digest,
      ...(verdict.status === 'rejected' ? { rejection: verdict.rejection } : {}),
    });
  }
  return {
    name: 'keep-record-verdicts',
    text: KEEP_RECORD_VERDICTS,
    values: [JSON.stringify([...rows.values()]), JSON.stringify(kept.prune)],
  };
}

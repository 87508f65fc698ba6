/**
 * What ingest decided about Kafka records the event-source mapping will deliver again, kept in
 * PostgreSQL (migrations/1765065600000_record-verdicts.sql) so that every execution environment
 * knows it: a retry lands in whichever environment is idle. Read with one query per invocation,
 * written with one statement per batch that reports a failure (in the batch's transaction when
 * it has one), which also prunes what no retry can ask for any more.
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
  /** Per partition: every verdict below `below` is deleted (the mapping has moved past it). */
  prune: ReadonlyArray<{ topic: string; partition: number; below: number }>;
}

/** $1..$4: topic, partition, first and last offset per partition → the kept verdicts within. */
const SELECT_RECORD_VERDICTS = /* sql */ `
SELECT v.topic, v."partition", v."offset", v.digest, v.status, v.rejection
FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) AS w(topic, "partition", first, last)
JOIN record_verdicts v ON v.topic = w.topic AND v."partition" = w."partition" AND v."offset" BETWEEN w.first AND w.last`;

/**
 * $1: the verdicts (a JSON array), $2: the pruning per partition (a JSON array). The deletes are
 * below each partition's lowest failed offset and the writes at or above it: they never meet.
 * Rows are written in key order (every writer locks them in the same order).
 */
const KEEP_RECORD_VERDICTS = /* sql */ `
WITH pruned AS (
  DELETE FROM record_verdicts v
  USING jsonb_to_recordset($2::jsonb) AS p(topic text, "partition" integer, below bigint)
  WHERE v.topic = p.topic AND v."partition" = p."partition" AND v."offset" < p.below
)
INSERT INTO record_verdicts (topic, "partition", "offset", digest, status, rejection)
SELECT topic, "partition", "offset", digest, status, rejection
FROM jsonb_to_recordset($1::jsonb) AS i(topic text, "partition" integer, "offset" bigint, digest text, status text, rejection jsonb)
ORDER BY topic, "partition", "offset"
ON CONFLICT (topic, "partition", "offset") DO UPDATE
  SET digest = EXCLUDED.digest, status = EXCLUDED.status, rejection = EXCLUDED.rejection, decided_at = now()`;

type Row = { topic: string; partition: number; offset: string; digest: string; status: KeptVerdict['status']; rejection: Rejection | null };

/** The query that finds the kept verdicts within `ranges`. */
export function findRecordVerdicts(ranges: readonly OffsetRange[]): pg.QueryConfig {
  return {
    name: 'select-record-verdicts',
    text: SELECT_RECORD_VERDICTS,
    values: [ranges.map((r) => r.topic), ranges.map((r) => r.partition), ranges.map((r) => r.first), ranges.map((r) => r.last)],
  };
}

/** The rows of findRecordVerdicts as verdicts. */
export function recordVerdicts(rows: readonly Row[]): RecordVerdict[] {
  return rows.map((row) => {
    const position = { topic: row.topic, partition: row.partition, offset: Number(row.offset), digest: row.digest };
    return row.status === 'rejected' && row.rejection
      ? { ...position, status: 'rejected', rejection: row.rejection }
      : { ...position, status: 'acknowledged' };
  });
}

/** The statement that keeps `kept` (and prunes). */
export function keepRecordVerdicts(kept: KeptVerdicts): pg.QueryConfig {
  const verdicts = kept.verdicts.map((verdict) => ({ ...verdict, rejection: verdict.status === 'rejected' ? verdict.rejection : null }));
  return { name: 'keep-record-verdicts', text: KEEP_RECORD_VERDICTS, values: [JSON.stringify(verdicts), JSON.stringify(kept.prune)] };
}

export type RecordVerdictRow = Row;

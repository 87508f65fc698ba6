-- Up Migration

-- What ingest decided about Kafka records the event-source mapping will deliver again: a batch
-- that reports a record as failed is re-delivered from its lowest failed offset, up to
-- retryAttempts times, to whichever execution environment is idle. Every environment reads these
-- rows (one query per invocation) so that a re-delivered record is neither written nor logged
-- again (functions/ingest/shared-memo.ts). Only records at or after a batch's lowest failed
-- offset are kept, in the batch's own transaction (or right after its orders are committed), and
-- a partition's rows that end below the lowest failed offset of a later such batch are deleted
-- with its write: the table stays about one batch per partition. Each record is checked against
-- a digest of its value, so a record at a reused position (a topic re-created) is judged afresh;
-- a redriven record comes back at a new offset and is judged afresh too.
CREATE TABLE record_verdicts (
  topic        text    NOT NULL,
  "partition"  integer NOT NULL,
  -- The records of one partition of one batch, from first_offset to last_offset: one row, so that
  -- keeping a batch's verdicts costs PostgreSQL one tuple, not one per record.
  first_offset bigint  NOT NULL,
  last_offset  bigint  NOT NULL,
  -- Per record: {"offset", "digest" (SHA-256, base64, of the value as the event carries it), and
  -- "rejection" (reason, order_uid, violations: never record content) when it was rejected}.
  verdicts     jsonb   NOT NULL,
  decided_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, "partition", first_offset),
  CHECK (first_offset <= last_offset)
);

-- The ingest function reads, writes and prunes them; nobody else needs them.
GRANT SELECT, INSERT, UPDATE, DELETE ON record_verdicts TO orders_writer;

-- Down Migration

DROP TABLE record_verdicts;

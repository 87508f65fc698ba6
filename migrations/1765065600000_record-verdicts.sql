-- Up Migration

-- What ingest decided about a Kafka record that the event-source mapping will deliver again: a
-- batch that reports a record as failed is re-delivered from its lowest failed offset, up to
-- retryAttempts times, to whichever execution environment is idle. Every environment reads these
-- rows (one query per invocation) so that a re-delivered record is neither written nor logged
-- again (functions/ingest/verdicts.ts). Only records at or after a batch's lowest failed offset
-- are kept, in the batch's own transaction (or after its orders are committed), and a partition's
-- rows below the first offset of a later such batch are deleted with its write: the table stays
-- about one batch per partition. Keyed by position and checked against a digest of the value, so
-- a record at a reused position (a topic re-created) is judged afresh; a redriven record comes back
-- at a new offset and is judged afresh too.
CREATE TABLE record_verdicts (
  topic        text    NOT NULL,
  "partition"  integer NOT NULL,
  "offset"     bigint  NOT NULL,
  -- SHA-256 (base64) of the record's value as the event carries it.
  digest       text    NOT NULL,
  -- 'acknowledged', or 'rejected' with the rejection (reason, order_uid, violations: no record content).
  status       text    NOT NULL CHECK (status IN ('acknowledged', 'rejected')),
  rejection    jsonb,
  decided_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, "partition", "offset"),
  CHECK ((status = 'rejected') = (rejection IS NOT NULL))
);

-- The ingest function reads, writes and prunes them; nobody else needs them.
GRANT SELECT, INSERT, UPDATE, DELETE ON record_verdicts TO orders_writer;

-- Down Migration

DROP TABLE record_verdicts;

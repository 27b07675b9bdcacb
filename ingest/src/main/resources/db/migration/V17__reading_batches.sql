-- Outfall storage, version 17: the hourly and daily aggregates leave the writer's commit path.
--
-- Each writer transaction that stores new readings leaves one row here: its transaction id and, per
-- station and parameter it stored, the first and last timestamp. The readings it inserted are then
-- exactly those in these ranges whose xmin is that transaction, so a follower can fold a batch into
-- readings_hourly and readings_daily later, in its own transaction, without a second copy of every
-- reading: it locks the row (FOR UPDATE SKIP LOCKED, so several ingest instances share the work),
-- folds the batch's readings, and deletes the row in the same transaction: each batch is folded once.
-- A batch left by a crashed instance is folded by the next follower that looks.
CREATE TABLE reading_batches (
  id            bigserial     PRIMARY KEY,
  xid           xid8          NOT NULL,
  stored_at     timestamptz   NOT NULL DEFAULT now(),
  station_ids   int[]         NOT NULL,
  parameter_ids smallint[]    NOT NULL,
  first_ts      timestamptz[] NOT NULL,
  last_ts       timestamptz[] NOT NULL
);

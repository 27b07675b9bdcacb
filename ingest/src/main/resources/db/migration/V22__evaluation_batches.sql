-- Outfall storage, version 22: the compliance engine follows the writer's batches instead of a second
-- copy of every reading.
--
-- evaluation_queue held every newly stored reading a second time, for the engine to take off: an
-- insert per reading in the writer's transaction, a delete per reading in the engine's, and the dead
-- rows vacuum then cleans up; after the aggregates left the commit path it was the writer's largest
-- per-reading cost besides the insert itself (docs/performance.md). Now each writer transaction that
-- stores new readings also leaves one row here, as it does in reading_batches for the aggregates: its
-- transaction id and, per station and parameter, the first and last timestamp it stored. The engine
-- (one leader) deletes rows in the transaction that commits what it judged from them and reads their
-- readings back from the readings table (in the ranges, xmin = the batch's transaction), so each
-- stored reading is still judged exactly once and a replay (nothing newly stored) never.
CREATE TABLE evaluation_batches (
  id            bigserial     PRIMARY KEY,
  xid           xid8          NOT NULL,
  readings      int           NOT NULL,
  stored_at     timestamptz   NOT NULL DEFAULT now(),
  station_ids   int[]         NOT NULL,
  parameter_ids smallint[]    NOT NULL,
  first_ts      timestamptz[] NOT NULL,
  last_ts       timestamptz[] NOT NULL
);

-- Readings still queued when this migration runs were stored and not judged yet: the engine judges
-- their stations again from the earliest of them, as it does with a backlog a leader left behind.
INSERT INTO evaluation_late (station, from_ts)
SELECT s.code, min(q.ts) FROM evaluation_queue q JOIN stations s ON s.id = q.station_id GROUP BY s.code
ON CONFLICT (station) DO UPDATE SET from_ts = least(evaluation_late.from_ts, excluded.from_ts),
  updated_at = now();

DROP TABLE evaluation_queue;

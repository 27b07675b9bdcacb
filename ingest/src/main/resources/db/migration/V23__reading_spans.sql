-- Outfall storage, version 23: each station-parameter's first and last stored reading, kept by the
-- aggregate follower, so that the station list stops probing the readings for them.
--
-- The station list showed each station's first and last reading by two index probes per parameter
-- into readings (the oldest and the newest chunk): a page of 100 stations of 8 parameters was 1,600
-- probes, the first-reading ones mostly into pages that are not cached. Under a province's load that
-- statement alone took about half of the page's time (docs/performance.md). Every writer
-- transaction already records, per station and parameter, the first and last timestamp it newly
-- stored (reading_batches); the follower that folds a batch into the hourly and daily rows now also
-- widens these spans in the same transaction. Readers add the batches not folded yet, so an answer
-- is exact without waiting for the follower (ReadingQueries).
--
-- first_ts, last_ts   the oldest and newest timestamp of any stored reading of the station-parameter,
--                     whatever its device status; they only widen (readings are never deleted)
CREATE TABLE reading_spans (
  station_id   int         NOT NULL REFERENCES stations (id),
  parameter_id smallint    NOT NULL REFERENCES parameters (id),
  first_ts     timestamptz NOT NULL,
  last_ts      timestamptz NOT NULL,
  PRIMARY KEY (station_id, parameter_id)
);

-- What is stored already: every station-parameter with readings has daily rows (the follower folds
-- each batch into them), found by two probes each. Batches not folded yet widen the spans when they
-- are folded.
INSERT INTO reading_spans
SELECT * FROM (
  SELECT k.station_id, k.parameter_id,
    (SELECT ts FROM readings r WHERE r.station_id = k.station_id AND r.parameter_id = k.parameter_id
      ORDER BY ts LIMIT 1) AS first_ts,
    (SELECT ts FROM readings r WHERE r.station_id = k.station_id AND r.parameter_id = k.parameter_id
      ORDER BY ts DESC LIMIT 1) AS last_ts
  FROM (SELECT DISTINCT station_id, parameter_id FROM readings_daily) k) s
WHERE first_ts IS NOT NULL;

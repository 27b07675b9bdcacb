-- Stations whose late readings (older than windows already judged) wait to be judged again, and
-- from when. Kept by the compliance engine in the transaction that takes the readings off the
-- queue and deleted in the one that judges the station again, so that a restart or a change of
-- leader in the middle of a gateway's backlog still re-judges all of it, not only the last hours
-- every rebuild replays.
CREATE TABLE evaluation_late (
  station    text        PRIMARY KEY,
  from_ts    timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

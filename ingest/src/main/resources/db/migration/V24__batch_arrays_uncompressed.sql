-- Outfall storage, version 24: the batch queues' key arrays are stored without compression.
--
-- Every writer transaction inserts a row into reading_batches (and, when the engine is behind, into
-- evaluation_batches) whose arrays hold one entry per station and parameter it stored: at 500
-- stations of 4 parameters that is about 44 kB, over the 2 kB at which PostgreSQL compresses a
-- row's large values with pglz. Compressing it cost about 0.9 ms of the writer's transaction
-- (1.7-1.8 ms against 0.8-0.85 to insert such a row, psql on the CI's PostgreSQL 17, 2026-12-03),
-- and the follower decompresses it again within a second, when it folds and deletes the row. The
-- rows live only until then, so the space compression saves is never worth its time. EXTERNAL
-- still moves large values out of line (TOAST), uncompressed; it affects rows written from now on.
ALTER TABLE reading_batches
  ALTER COLUMN station_ids SET STORAGE EXTERNAL,
  ALTER COLUMN parameter_ids SET STORAGE EXTERNAL,
  ALTER COLUMN first_ts SET STORAGE EXTERNAL,
  ALTER COLUMN last_ts SET STORAGE EXTERNAL;

ALTER TABLE evaluation_batches
  ALTER COLUMN station_ids SET STORAGE EXTERNAL,
  ALTER COLUMN parameter_ids SET STORAGE EXTERNAL,
  ALTER COLUMN first_ts SET STORAGE EXTERNAL,
  ALTER COLUMN last_ts SET STORAGE EXTERNAL;

-- TimescaleDB gives a hypertable a (ts DESC) index by default (V2 took the default). Every query
-- Outfall makes on readings names a station, and mostly its parameters, which the primary key
-- (station_id, parameter_id, ts) serves. The time-only index served none of them but misled the
-- planner: a station's 24-hour chart scanned every station's readings of the day through it (91 ms
-- instead of 8 ms over 30 days of 20 stations), and it cost every insert. No-op on plain PostgreSQL.
DROP INDEX IF EXISTS readings_ts_idx;

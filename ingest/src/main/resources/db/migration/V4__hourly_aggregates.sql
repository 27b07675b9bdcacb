-- Hourly aggregates of readings, maintained by Outfall itself in the same transaction as the readings
-- they summarise (the TimescaleDB build that distributions ship has no continuous aggregates).
-- The writer adds only readings it newly stored, so replays never count twice; every column merges
-- by addition, least/greatest or bitwise OR, which makes concurrent writers safe in any order.
--
-- hour         UTC hour (date_trunc('hour', ts, 'UTC')); local hours in UTC+7 are the same hours
-- n            all readings; n_valid / n_calibrating / n_fault by device status 00 / 01 / 02
-- sum_valid, min_valid, max_valid   over valid (00) readings only; null when the hour has none
-- valid_slots  bit i set when the 5-minute slot i (minutes 5i..5i+4) holds a valid reading; data
--              completeness is the share of slots set, as the regulator counts 5-minute transmissions
CREATE TABLE readings_hourly (
  station_id    int              NOT NULL REFERENCES stations (id),
  parameter_id  smallint         NOT NULL REFERENCES parameters (id),
  hour          timestamptz      NOT NULL,
  n             int              NOT NULL,
  n_valid       int              NOT NULL,
  n_calibrating int              NOT NULL,
  n_fault       int              NOT NULL,
  sum_valid     double precision,
  min_valid     double precision,
  max_valid     double precision,
  valid_slots   int              NOT NULL,
  PRIMARY KEY (station_id, parameter_id, hour)
);
-- The overview reads every station's last 30 days at once.
CREATE INDEX readings_hourly_hour ON readings_hourly (hour);

INSERT INTO readings_hourly
SELECT station_id, parameter_id, date_trunc('hour', ts, 'UTC'),
       count(*),
       count(*) FILTER (WHERE status = 0),
       count(*) FILTER (WHERE status = 1),
       count(*) FILTER (WHERE status = 2),
       sum(value) FILTER (WHERE status = 0),
       min(value) FILTER (WHERE status = 0),
       max(value) FILTER (WHERE status = 0),
       coalesce(bit_or(1 << (extract(minute FROM ts AT TIME ZONE 'UTC')::int / 5)) FILTER (WHERE status = 0), 0)
FROM readings
GROUP BY 1, 2, 3;

-- Breach hours per station over a window (the overview and the monthly report).
CREATE INDEX alerts_by_family ON alerts (family, station, started_at);

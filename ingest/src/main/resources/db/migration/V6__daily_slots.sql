-- Per station, parameter and UTC day: which 5-minute slots hold a valid reading (288 bits, the
-- hourly masks of V4 side by side) and the first hour with any reading. The overview's 30-day
-- completeness reads 30 rows per parameter here instead of 720 hourly rows. Kept by the writer from
-- the hourly rows it has just merged (their whole masks, so OR-ing again is harmless).
CREATE TABLE readings_daily (
  station_id   int         NOT NULL REFERENCES stations (id),
  parameter_id smallint    NOT NULL REFERENCES parameters (id),
  day          date        NOT NULL,
  valid_slots  bit(288)    NOT NULL,
  first_hour   timestamptz NOT NULL,
  PRIMARY KEY (station_id, parameter_id, day)
);
CREATE INDEX readings_daily_day ON readings_daily (day);

INSERT INTO readings_daily
SELECT station_id, parameter_id, (hour AT TIME ZONE 'UTC')::date,
       bit_or(valid_slots::bit(288) << (12 * extract(hour FROM hour AT TIME ZONE 'UTC')::int)),
       min(hour)
FROM readings_hourly
GROUP BY 1, 2, 3;

-- Outfall storage, version 21: what a cumulative meter consumed per day, kept once the day is over.
--
-- A year of a meter's readings is 500,000 (one a minute) to 3 million (every 10 s); the KPIs of a
-- year so far read them all to count a few increases a day (docs/performance.md). A completed day's
-- consumption (PlantKpis, by MeterConsumption's rules) is kept here the first time it is computed,
-- per local midnight it was asked for (day_start), and dropped again when it may have changed:
--   - the aggregate follower, folding a batch with readings of a meter, drops the days from the
--     meter's reading before the batch to its reading after it (a late reading, or the first after a
--     gap, changes how an increase is shared between the days it spans);
--   - recording a meter's replacement or rollover drops all of the meter's days.
-- meter_generations counts those drops per meter: a reader stores what it computed only if the
-- count is still the one it read before computing, so a drop between the two is never overwritten
-- with the older figure.
CREATE TABLE meter_days (
  station_id   int              NOT NULL,
  parameter_id smallint         NOT NULL,
  day_start    timestamptz      NOT NULL,
  consumption  double precision NOT NULL,
  had_reading  boolean          NOT NULL,
  -- where the meter's reading stood at the day's end (MeterConsumption's end state): the next day
  -- counts on from it, exactly as if the days had been counted together; null before any reading
  end_ts       timestamptz,
  end_value    double precision,
  computed_at  timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, parameter_id, day_start)
);

CREATE TABLE meter_generations (
  station_id   int      NOT NULL,
  parameter_id smallint NOT NULL,
  gen          bigint   NOT NULL,
  PRIMARY KEY (station_id, parameter_id)
);

-- Outfall storage, version 19: what a plant's cumulative meters (energy, chemical dose) need besides
-- their readings for the consumption they count to be right (MeterConsumption).

-- A counter that starts again from zero at a fixed value (a register's maximum plus one).
CREATE TABLE meters (
  station_id   int              NOT NULL REFERENCES stations (id),
  parameter_id smallint         NOT NULL REFERENCES parameters (id),
  rollover     double precision CHECK (rollover > 0),
  changed_by   text             NOT NULL,
  changed_at   timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, parameter_id)
);

-- A meter replaced: the old meter's last value closes its account, the new one counts from its own
-- starting value, which is not consumption.
CREATE TABLE meter_changes (
  station_id   int              NOT NULL REFERENCES stations (id),
  parameter_id smallint         NOT NULL REFERENCES parameters (id),
  at           timestamptz      NOT NULL,
  old_final    double precision NOT NULL CHECK (old_final >= 0),
  new_start    double precision NOT NULL CHECK (new_start >= 0),
  note         text,
  recorded_by  text             NOT NULL,
  recorded_at  timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, parameter_id, at)
);

-- The registry: clusters (industrial clusters and craft villages), their plants (sites, as gateways
-- name them in topics) and stations, known before any reading arrives, so that the overview counts
-- what a regulator counts (a cluster without a plant, a plant without a permit or without data) and
-- readings of a station no one registered can be held or refused (registry.unregistered-stations).

CREATE TABLE clusters (
  id         serial PRIMARY KEY,
  code       text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('industrial_cluster', 'craft_village')),
  district   text,
  -- operating, or new (planned or being built): both must have a treatment plant meeting QCVN
  status     text        NOT NULL DEFAULT 'operating' CHECK (status IN ('operating', 'new')),
  -- whether a central treatment plant exists, is required and not yet there, or is not required
  -- (each factory treats its own)
  treatment  text        NOT NULL DEFAULT 'required'
                         CHECK (treatment IN ('exists', 'required', 'not_required')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

ALTER TABLE sites
  ADD COLUMN cluster_id   int REFERENCES clusters (id),
  ADD COLUMN status       text NOT NULL DEFAULT 'operating'
                          CHECK (status IN ('operating', 'under_construction', 'planned')),
  ADD COLUMN latitude     double precision,
  ADD COLUMN longitude    double precision,
  ADD COLUMN receiving_water text,
  ADD COLUMN design_capacity_m3_per_day double precision,
  ADD COLUMN updated_at   timestamptz,
  ADD COLUMN updated_by   text;   -- null: registered by its first reading
CREATE INDEX sites_cluster ON sites (cluster_id);

ALTER TABLE stations
  ALTER COLUMN gateway DROP NOT NULL,   -- a registered station has reported nothing yet
  ADD COLUMN latitude     double precision,
  ADD COLUMN longitude    double precision,
  ADD COLUMN receiving_water text,
  ADD COLUMN sampling     text,         -- the sampling plan as written: 5m, or COD=15m,*=5m
  ADD COLUMN updated_at   timestamptz,
  ADD COLUMN updated_by   text;

-- Readings of stations no one registered, held for an admin to accept (then stored the normal way)
-- or discard (registry.unregistered-stations: park).
CREATE TABLE unregistered_readings (
  station      text             NOT NULL,
  site         text             NOT NULL,
  gateway      text             NOT NULL,
  parameter_id smallint         NOT NULL REFERENCES parameters (id),
  ts           timestamptz      NOT NULL,
  value        double precision NOT NULL,
  status       smallint         NOT NULL,
  received_at  timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (station, parameter_id, ts)
);

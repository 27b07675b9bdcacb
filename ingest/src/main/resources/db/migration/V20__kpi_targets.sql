-- Outfall storage, version 20: cleaner-production targets. A plant's (site's) own, or its
-- cluster's for every plant in it; the province's defaults are settings (kpi.target-*). Each holds
-- a baseline period in local dates (to excluded) and the reduction aimed at, in percent, of energy
-- per m³ treated, chemical per m³ and energy per unit of product; null: no target for that one.
CREATE TABLE kpi_targets (
  site_id          int REFERENCES sites (id),
  cluster_id       int REFERENCES clusters (id),
  baseline_from    date             NOT NULL,
  baseline_to      date             NOT NULL,
  energy_pct       double precision CHECK (energy_pct > 0 AND energy_pct < 100),
  chemical_pct     double precision CHECK (chemical_pct > 0 AND chemical_pct < 100),
  product_pct      double precision CHECK (product_pct > 0 AND product_pct < 100),
  product_unit     text,
  source           text,
  set_by           text             NOT NULL,
  set_at           timestamptz      NOT NULL DEFAULT now(),
  CHECK ((site_id IS NULL) <> (cluster_id IS NULL)),
  CHECK (baseline_from < baseline_to)
);
CREATE UNIQUE INDEX kpi_targets_site ON kpi_targets (site_id) WHERE site_id IS NOT NULL;
CREATE UNIQUE INDEX kpi_targets_cluster ON kpi_targets (cluster_id) WHERE cluster_id IS NOT NULL;

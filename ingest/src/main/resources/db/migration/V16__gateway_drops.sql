-- Outfall storage, version 16: what each gateway last said it had dropped unsent (buffer or disk
-- full, or readings past its buffer.max_age), and when that last grew: the data-quality alert
-- readings_dropped opens when it grows and resolves after a quiet hour (DroppedReadingsAlerts).
CREATE TABLE gateway_drops (
  site           text        NOT NULL,
  gateway        text        NOT NULL,
  dropped        bigint      NOT NULL,
  dropped_by_age bigint      NOT NULL,
  grew_at        timestamptz,
  PRIMARY KEY (site, gateway)
);

-- Outfall storage, version 11: the regulator link. Files of automatic monitoring data for the
-- provincial environment department (DONRE), made once per station and interval and kept until its
-- FTP server took them; and the files legacy loggers upload to Outfall, kept with their bytes.

-- Whether a station transmits: true or false as switched, null for the default (when it has a
-- permit).
ALTER TABLE stations ADD COLUMN donre_transmit boolean;

-- The outbox. A regular file per station and interval; a correction when readings of an interval
-- already sent arrive later. Sent in time order, each once: a row is sent when sent_at is set.
CREATE TABLE donre_outbox (
  id             bigserial   PRIMARY KEY,
  station_id     int         NOT NULL REFERENCES stations (id),
  interval_start timestamptz NOT NULL,
  interval_end   timestamptz NOT NULL,
  correction     boolean     NOT NULL DEFAULT false,
  file_name      text        NOT NULL UNIQUE,
  content        bytea       NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz,
  attempts       int         NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  last_error     text
);
CREATE UNIQUE INDEX donre_outbox_regular ON donre_outbox (station_id, interval_start)
  WHERE NOT correction;
CREATE INDEX donre_outbox_unsent ON donre_outbox (interval_start, id) WHERE sent_at IS NULL;
CREATE INDEX donre_outbox_station ON donre_outbox (station_id, interval_start DESC);

-- Each station's transmission: from the start of its first interval (readings older than that are
-- history, never sent; an export has them) up to where its regular files have been made.
CREATE TABLE donre_progress (
  station_id int         PRIMARY KEY REFERENCES stations (id),
  made_from  timestamptz NOT NULL,
  made_until timestamptz NOT NULL
);

-- Station-hours that received readings after they were due (a gateway's backlog): the writer marks
-- them while the regulator link is on, the transmitter turns them into corrections and deletes them.
CREATE TABLE late_readings (
  station_id int         NOT NULL,
  hour       timestamptz NOT NULL,
  PRIMARY KEY (station_id, hour)
);

-- Files received from legacy loggers over FTP, with their bytes: stored (their readings went the
-- normal way) or quarantined with the reason.
CREATE TABLE donre_intake_files (
  id          bigserial   PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  account     text        NOT NULL,
  site        text        NOT NULL,
  file_name   text        NOT NULL,
  content     bytea       NOT NULL,
  state       text        NOT NULL CHECK (state IN ('received', 'stored', 'quarantined')),
  reason      text,
  detail      text,
  readings    int         NOT NULL DEFAULT 0   -- readings of the file that went to storage
);
CREATE INDEX donre_intake_files_state ON donre_intake_files (state, id);

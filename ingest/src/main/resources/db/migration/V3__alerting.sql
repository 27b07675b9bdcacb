-- Compliance alerting: permits, the evaluation queue, alerts with their history, silences and the
-- notification outbox.

-- Every version of every permit is kept: the current permit of a station is its highest version.
-- Who changed what, when and why is the audit trail.
CREATE TABLE permits (
  id         bigserial PRIMARY KEY,
  station    text        NOT NULL,
  version    int         NOT NULL,
  document   text        NOT NULL,          -- the permit YAML as given
  changed_by text        NOT NULL,
  comment    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (station, version)
);

-- Readings newly stored, waiting for the compliance engine. Filled by the writer in the same
-- transaction as readings (so replays, already stored, never enter twice), drained by the one engine
-- that holds the leader lock.
CREATE TABLE evaluation_queue (
  id           bigserial        PRIMARY KEY,
  station_id   int              NOT NULL,
  parameter_id smallint         NOT NULL,
  ts           timestamptz      NOT NULL,
  value        double precision NOT NULL,
  status       smallint         NOT NULL
);

-- One row per alert; at most one not-yet-resolved alert per station, parameter and kind.
CREATE TABLE alerts (
  id              bigserial PRIMARY KEY,
  station         text        NOT NULL,
  parameter       text,                     -- null for station-wide alerts (stale)
  kind            text        NOT NULL,     -- breach, exceedance, approach, stale, flat_line, ...
  family          text        NOT NULL CHECK (family IN ('compliance', 'warning', 'data_quality')),
  state           text        NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  started_at      timestamptz NOT NULL,
  resolved_at     timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  escalated_at    timestamptz,
  silenced        boolean     NOT NULL DEFAULT false,
  value           double precision,          -- window mean (breach) or reading (warning) that opened it
  peak            double precision,
  limit_value     text,                      -- "135" or "[5.5, 9]"
  factor          double precision,
  band            text,
  window_start    timestamptz,
  window_end      timestamptz,
  standard        text,
  detail          text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (station, coalesce(parameter, ''), kind) WHERE state <> 'resolved';
CREATE INDEX alerts_by_state ON alerts (state, started_at DESC);
CREATE INDEX alerts_by_station ON alerts (station, started_at DESC);

CREATE TABLE alert_events (
  id       bigserial PRIMARY KEY,
  alert_id bigint      NOT NULL REFERENCES alerts (id),
  at       timestamptz NOT NULL DEFAULT now(),
  event    text        NOT NULL,   -- opened, worsened, acknowledged, resolved, escalated
  actor    text        NOT NULL,   -- 'outfall' or the user
  detail   text
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

-- Silences and maintenance windows (planned calibration): alerts that match are still recorded, but
-- nobody is notified. Null matchers match anything.
CREATE TABLE silences (
  id         bigserial PRIMARY KEY,
  station    text,
  parameter  text,
  kind       text,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
  reason     text        NOT NULL,
  created_by text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Notifications to send, written in the same transaction as the alert change: a crash or a notifier
-- outage delays them, never loses them.
CREATE TABLE notification_outbox (
  id              bigserial PRIMARY KEY,
  alert_id        bigint      NOT NULL REFERENCES alerts (id),
  event           text        NOT NULL,
  channel         text        NOT NULL,   -- email, webhook, alertmanager
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        int         NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  last_error      text
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE delivered_at IS NULL;

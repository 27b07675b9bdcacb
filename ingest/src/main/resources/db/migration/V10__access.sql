-- Outfall storage, version 10: who may connect to the broker, who may use the HTTP API, and the
-- audit of logins and administrative actions. Secrets are stored only as hashes.

-- One account per gateway (it may publish only under outfall/v1/<site>/<gateway>/ and read only its
-- own config topic) and service accounts for ingest itself (the whole outfall/v1/ tree).
CREATE TABLE broker_accounts (
  username      text        PRIMARY KEY,
  password_hash text        NOT NULL,  -- PBKDF2-SHA512 in Mosquitto's "$7$" format
  role          text        NOT NULL CHECK (role IN ('gateway', 'service')),
  site          text,
  gateway       text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'gateway') = (site IS NOT NULL AND gateway IS NOT NULL))
);
CREATE UNIQUE INDEX broker_accounts_gateway ON broker_accounts (site, gateway);

CREATE TABLE users (
  username      text        PRIMARY KEY,
  password_hash text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('operator', 'inspector', 'engineer', 'admin')),
  sites         text[]      NOT NULL DEFAULT '{}',  -- an operator's own sites
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

-- API tokens, browser sessions and Prometheus scrape tokens; the token itself is shown once.
CREATE TABLE api_tokens (
  token_hash  bytea       PRIMARY KEY,  -- SHA-256 of the token
  username    text        REFERENCES users (username) ON DELETE CASCADE,
  kind        text        NOT NULL CHECK (kind IN ('api', 'session', 'scrape')),
  name        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz,
  CHECK ((kind = 'scrape') = (username IS NULL))
);

CREATE TABLE access_audit (
  id       bigserial   PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  actor    text        NOT NULL,
  action   text        NOT NULL,  -- login, login_refused, logout, user_add, token_add, ...
  detail   text        NOT NULL DEFAULT '',
  remote   text        NOT NULL DEFAULT '',
  outcome  text        NOT NULL
);
CREATE INDEX access_audit_at ON access_audit (at DESC);

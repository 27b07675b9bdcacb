-- Gateway configuration deployment: immutable versions, rollouts with each gateway's state, and the
-- audit log of what engineers did.

-- Every version of every named configuration; never updated. A version's label is the YAML's own
-- `version:` field (what the gateway acknowledges), unique across all configurations.
CREATE TABLE gateway_configs (
  id         bigserial   PRIMARY KEY,
  name       text        NOT NULL,
  seq        int         NOT NULL,          -- 1, 2, 3… within the name
  label      text        NOT NULL UNIQUE,
  yaml       text        NOT NULL,
  hash       text        NOT NULL,          -- SHA-256 of the YAML, hex, as acknowledgements carry it
  author     text        NOT NULL,
  message    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, seq)
);

CREATE TABLE rollouts (
  id                  bigserial   PRIMARY KEY,
  config_id           bigint      NOT NULL REFERENCES gateway_configs (id),
  target              text        NOT NULL,  -- "site/gateway", "site:<site>" or "all"
  state               text        NOT NULL CHECK (state IN ('in_progress', 'completed', 'failed')),
  ack_timeout_seconds int         NOT NULL,
  created_by          text        NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz
);

-- pending (chosen) -> delivered (the broker holds the retained config) -> applied / rejected /
-- rolled_back (the gateway's acknowledgement) or timed_out (no acknowledgement in time).
CREATE TABLE rollout_gateways (
  rollout_id bigint      NOT NULL REFERENCES rollouts (id),
  site       text        NOT NULL,
  gateway    text        NOT NULL,
  state      text        NOT NULL CHECK (state IN ('pending', 'delivered', 'applied', 'rejected', 'rolled_back', 'timed_out')),
  reason     text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, gateway)
);
CREATE INDEX rollout_gateways_open ON rollout_gateways (gateway) WHERE state IN ('pending', 'delivered');

CREATE TABLE config_audit (
  id         bigserial   PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text        NOT NULL,
  action     text        NOT NULL,          -- store, deploy, completed, failed
  config_id  bigint      REFERENCES gateway_configs (id),
  rollout_id bigint      REFERENCES rollouts (id),
  detail     text
);
CREATE INDEX config_audit_at ON config_audit (at DESC);

-- Rollback: a rollout is a deployment or an engineer's rollback to an earlier version, and each
-- gateway remembers the version it ran before, so that a halted canary can put it back.
ALTER TABLE rollouts ADD COLUMN action text NOT NULL DEFAULT 'deploy'
  CHECK (action IN ('deploy', 'rollback'));
ALTER TABLE rollout_gateways ADD COLUMN previous_config_id bigint REFERENCES gateway_configs (id);
-- reverting: the canary failed elsewhere, this gateway's previous version was sent back to it;
-- it ends rolled_back when the gateway applied it, revert_failed otherwise.
ALTER TABLE rollout_gateways DROP CONSTRAINT rollout_gateways_state_check;
ALTER TABLE rollout_gateways ADD CONSTRAINT rollout_gateways_state_check
  CHECK (state IN ('waiting', 'pending', 'delivered', 'applied', 'rejected', 'rolled_back',
                   'timed_out', 'skipped', 'reverting', 'revert_failed'));
CREATE INDEX rollout_gateways_by_gateway ON rollout_gateways (site, gateway, updated_at DESC);

-- Tags: named groups of gateways (e.g. "pilot", "hanoi-north") that rollouts can target as tag:<tag>.
-- A tagged gateway not heard of yet still gets a rollout when it connects.
CREATE TABLE gateway_tags (
  tag     text NOT NULL,
  site    text NOT NULL,
  gateway text NOT NULL,
  PRIMARY KEY (tag, site, gateway)
);

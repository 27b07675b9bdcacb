-- Canary rollouts: a share of the target gateways gets a version first; the others wait until the
-- canary passed and the rollout is promoted, and never get it when the canary fails (halted).
ALTER TABLE rollouts ADD COLUMN canary_percent int NOT NULL DEFAULT 100
  CHECK (canary_percent BETWEEN 1 AND 100);
ALTER TABLE rollouts ADD COLUMN auto_promote boolean NOT NULL DEFAULT false;
ALTER TABLE rollouts DROP CONSTRAINT rollouts_state_check;
ALTER TABLE rollouts ADD CONSTRAINT rollouts_state_check
  CHECK (state IN ('in_progress', 'canary_passed', 'completed', 'failed', 'halted'));
ALTER TABLE rollout_gateways ADD COLUMN canary boolean NOT NULL DEFAULT true;
-- waiting: after the canary, not sent yet; skipped: never sent, the canary failed
ALTER TABLE rollout_gateways DROP CONSTRAINT rollout_gateways_state_check;
ALTER TABLE rollout_gateways ADD CONSTRAINT rollout_gateways_state_check
  CHECK (state IN ('waiting', 'pending', 'delivered', 'applied', 'rejected', 'rolled_back', 'timed_out', 'skipped'));

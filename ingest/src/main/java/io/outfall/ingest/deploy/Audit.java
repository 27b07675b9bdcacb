package io.outfall.ingest.deploy;

import java.sql.Connection;
import java.sql.SQLException;

/** The audit log of configuration work: who did what, when, with what outcome. */
final class Audit {
  private Audit() {}

  /** Records an entry in the caller's transaction, so it exists exactly when the action does. */
  static void record(
      Connection c, String actor, String action, Long configId, Long rolloutId, String detail)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO config_audit (actor, action, config_id, rollout_id, detail)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, actor);
      ps.setString(2, action);
      ps.setObject(3, configId);
      ps.setObject(4, rolloutId);
      ps.setString(5, detail);
      ps.executeUpdate();
    }
  }
}

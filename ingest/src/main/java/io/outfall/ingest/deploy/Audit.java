package io.outfall.ingest.deploy;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The audit log of configuration work: who did what, when, with what outcome. */
final class Audit {
  private Audit() {}

  /** One entry, with the configuration version it concerns (null config and seq: none). */
  record Entry(
      Instant at,
      String actor,
      String action,
      String config,
      Integer seq,
      Long rolloutId,
      String detail) {}

  /** The newest {@code limit} entries, newest first. */
  static List<Entry> recent(DataSource ds, int limit) throws SQLException {
    List<Entry> out = new ArrayList<>();
    try (var c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT a.at, a.actor, a.action, v.name, v.seq, a.rollout_id, a.detail"
                    + " FROM config_audit a LEFT JOIN gateway_configs v ON v.id = a.config_id"
                    + " ORDER BY a.id DESC LIMIT ?")) {
      ps.setInt(1, limit);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new Entry(
                  rs.getTimestamp(1).toInstant(),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  (Integer) rs.getObject(5),
                  (Long) rs.getObject(6),
                  rs.getString(7)));
      }
    }
    return out;
  }

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

package io.outfall.ingest.access;

import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Which site a station or an alert belongs to: what an operator's request is checked against.
 * Blocking JDBC: call from worker threads.
 */
final class Sites {
  private final DataSource db;

  Sites(DataSource db) {
    this.db = db;
  }

  /** The site of station {@code code}, or null when there is no such station. */
  String ofStation(String code) throws SQLException {
    return oneText(
        "SELECT si.code FROM stations st JOIN sites si ON si.id = st.site_id WHERE st.code = ?",
        code);
  }

  /** The site of alert {@code id} (as its path segment), or null when there is none. */
  String ofAlert(String id) throws SQLException {
    if (!id.matches("\\d{1,18}")) return null;
    return oneText(
        "SELECT si.code FROM alerts a JOIN stations st ON st.code = a.station"
            + " JOIN sites si ON si.id = st.site_id WHERE a.id = ?::bigint",
        id);
  }

  private String oneText(String sql, String arg) throws SQLException {
    try (var c = db.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}

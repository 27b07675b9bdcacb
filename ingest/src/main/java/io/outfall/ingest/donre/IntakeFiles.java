package io.outfall.ingest.donre;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The files legacy loggers uploaded ({@code donre_intake_files}, migration V11), kept with their
 * bytes: received (not yet stored), stored, or quarantined with the reason. Blocking JDBC.
 */
final class IntakeFiles {
  /** A file as kept, without its bytes. */
  record Kept(
      long id,
      Instant receivedAt,
      String account,
      String site,
      String fileName,
      int size,
      String state,
      String reason,
      String detail,
      int readings) {}

  /** A file received and not stored yet, with its bytes: what a restart takes up again. */
  record Received(
      long id, String account, String site, String gateway, String fileName, byte[] content) {}

  private final DataSource ds;

  IntakeFiles(DataSource ds) {
    this.ds = ds;
  }

  /** Keeps an upload before anything is done with it; returns its id. */
  long received(String account, String site, String fileName, byte[] content) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "INSERT INTO donre_intake_files (account, site, file_name, content, state)"
                    + " VALUES (?, ?, ?, ?, 'received') RETURNING id")) {
      ps.setString(1, account);
      ps.setString(2, site);
      ps.setString(3, fileName);
      ps.setBytes(4, content);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Its readings are committed: all of them, or the good ones of a quarantined file. */
  void stored(long id, int readings) throws SQLException {
    update(
        id,
        "UPDATE donre_intake_files SET readings = ?,"
            + " state = CASE WHEN state = 'quarantined' THEN state ELSE 'stored' END WHERE id = ?",
        readings);
  }

  void quarantined(long id, String reason, String detail) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE donre_intake_files SET state = 'quarantined', reason = ?, detail = ?"
                    + " WHERE id = ?")) {
      ps.setString(1, reason);
      ps.setString(2, detail);
      ps.setLong(3, id);
      ps.executeUpdate();
    }
  }

  private void update(long id, String sql, int readings) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setInt(1, readings);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Files received and neither stored nor quarantined: a stop came between. */
  List<Received> unfinished() throws SQLException {
    List<Received> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT f.id, f.account, f.site, a.gateway, f.file_name, f.content"
                    + " FROM donre_intake_files f LEFT JOIN broker_accounts a ON a.username = f.account"
                    + " WHERE f.state = 'received' ORDER BY f.id")) {
      while (rs.next())
        out.add(
            new Received(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getBytes(6)));
    }
    return out;
  }

  /** Quarantined files, newest first; {@code limit + 1} rows at most. */
  List<Kept> quarantine(int limit, int offset) throws SQLException {
    List<Kept> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT id, received_at, account, site, file_name, length(content), state, reason,"
                    + " detail, readings FROM donre_intake_files WHERE state = 'quarantined'"
                    + " ORDER BY id DESC LIMIT ? OFFSET ?")) {
      ps.setInt(1, limit + 1);
      ps.setInt(2, offset);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new Kept(
                  rs.getLong(1),
                  rs.getTimestamp(2).toInstant(),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getInt(10)));
      }
    }
    return out;
  }

  /** A kept file's name and bytes. */
  Optional<Received> file(long id) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT id, account, site, file_name, content FROM donre_intake_files WHERE id = ?")) {
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new Received(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    null,
                    rs.getString(4),
                    rs.getBytes(5)))
            : Optional.empty();
      }
    }
  }
}

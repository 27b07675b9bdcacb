package io.outfall.ingest.alerts;

import io.outfall.compliance.permits.Permit;
import io.outfall.compliance.permits.PermitFile;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.standards.StandardsCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Permits in the database: every version kept with who changed it and why (the audit trail); a
 * station's current permit is its highest version. A permit is validated against the standards
 * catalog before it is stored, so a bad one is refused with the reason and never reaches the
 * engine.
 */
public final class PermitStore {
  private static final Logger log = LoggerFactory.getLogger(PermitStore.class);

  /** One stored version. */
  public record Version(
      String station,
      int version,
      String document,
      String changedBy,
      String comment,
      Instant createdAt) {}

  private final DataSource ds;
  private final StandardsCatalog catalog;

  public PermitStore(DataSource ds, StandardsCatalog catalog) {
    this.ds = ds;
    this.catalog = catalog;
  }

  /** Validates and stores a new version; returns it. Unchanged documents are not stored again. */
  public Version put(String station, String yaml, String changedBy, String comment)
      throws SQLException {
    List<Permit> permits = PermitFile.parse(yaml, "permit of " + station);
    for (Permit p : permits) {
      if (!p.station().equals(station))
        throw new IllegalArgumentException(
            "the permit is for station '" + p.station() + "', not '" + station + "'");
    }
    new PermitSchedule(
        permits, catalog); // resolves every version: refuses what the engine could not use
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      Version current = current(c, station);
      if (current != null && current.document().equals(yaml)) {
        c.rollback();
        return current;
      }
      try (var ps =
          c.prepareStatement(
              "INSERT INTO permits (station, version, document, changed_by, comment) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, station);
        ps.setInt(2, current == null ? 1 : current.version() + 1);
        ps.setString(3, yaml);
        ps.setString(4, changedBy);
        ps.setString(5, comment);
        ps.executeUpdate();
      }
      Version v = current(c, station);
      try (var st = c.createStatement()) {
        st.execute("NOTIFY outfall_permits"); // the leading engine reloads at once
      }
      c.commit();
      log.info(
          "permit of {} is now version {} ({} by {})",
          station,
          v.version(),
          comment == null ? "no comment" : comment,
          changedBy);
      return v;
    }
  }

  /** Imports every *.yaml of a directory (one station per file); unchanged files change nothing. */
  public void importDirectory(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList()) {
        String yaml = Files.readString(f);
        String station = PermitFile.parse(yaml, f.toString()).get(0).station();
        put(station, yaml, "file:" + f.getFileName(), "imported from " + f);
      }
    }
  }

  /** The current permit of every station, parsed. */
  public Map<String, Version> currentAll() throws SQLException {
    try (Connection c = ds.getConnection()) {
      return currentAll(c);
    }
  }

  /** The same, on a connection the caller holds (the engine's). */
  public Map<String, Version> currentAll(Connection c) throws SQLException {
    Map<String, Version> out = new LinkedHashMap<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT DISTINCT ON (station) station, version, document, changed_by, comment, created_at FROM permits ORDER BY station, version DESC")) {
      while (rs.next()) out.put(rs.getString(1), version(rs));
    }
    return out;
  }

  public Version current(String station) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return current(c, station);
    }
  }

  public List<Version> history(String station) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT station, version, document, changed_by, comment, created_at FROM permits WHERE station = ? ORDER BY version DESC")) {
      ps.setString(1, station);
      List<Version> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(version(rs));
      }
      return out;
    }
  }

  public PermitSchedule schedule(Version v) {
    return new PermitSchedule(
        PermitFile.parse(v.document(), "permit of " + v.station() + " v" + v.version()), catalog);
  }

  private static Version current(Connection c, String station) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT station, version, document, changed_by, comment, created_at FROM permits WHERE station = ? ORDER BY version DESC LIMIT 1")) {
      ps.setString(1, station);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? version(rs) : null;
      }
    }
  }

  private static Version version(ResultSet rs) throws SQLException {
    return new Version(
        rs.getString(1),
        rs.getInt(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getTimestamp(6).toInstant());
  }
}

package io.outfall.ingest.storage;

import io.outfall.protocol.DeviceStatus;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Read side of storage for the API. Blocking JDBC: call from worker threads only. */
public final class ReadingQueries {
  private final DataSource ds;

  public ReadingQueries(DataSource ds) {
    this.ds = ds;
  }

  /** A station as the API lists it. */
  public record Station(
      String code,
      String site,
      String name,
      String gateway,
      Instant firstReading,
      Instant lastReading,
      List<String> parameters) {}

  /** One stored reading. */
  public record RawPoint(Instant ts, double value, DeviceStatus status) {}

  /**
   * One time bucket. {@code mean}, {@code min} and {@code max} are over valid readings (status 00)
   * only, and null when the bucket has none; {@code count} counts all readings.
   */
  public record Bucket(Instant start, Double mean, Double min, Double max, int count, int valid) {}

  public List<Station> stations(String site, int limit, int offset) throws SQLException {
    // Per-parameter first/last via the primary key (station, parameter, ts): two index probes per
    // parameter instead of a scan of the station's whole history.
    String sql =
        "SELECT s.code, si.code, s.name, s.gateway, agg.first_ts, agg.last_ts, agg.params"
            + " FROM stations s JOIN sites si ON si.id = s.site_id"
            + " LEFT JOIN LATERAL (SELECT min(f) AS first_ts, max(l) AS last_ts,"
            + "   array_agg(code ORDER BY id) AS params FROM (SELECT p.id, p.code,"
            + "   (SELECT ts FROM readings r WHERE r.station_id = s.id AND r.parameter_id = p.id"
            + "     ORDER BY ts LIMIT 1) AS f,"
            + "   (SELECT ts FROM readings r WHERE r.station_id = s.id AND r.parameter_id = p.id"
            + "     ORDER BY ts DESC LIMIT 1) AS l"
            + "   FROM parameters p) x WHERE l IS NOT NULL) agg ON true"
            + " WHERE (?::text IS NULL OR si.code = ?) ORDER BY si.code, s.code LIMIT ? OFFSET ?";
    try (var c = ds.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setString(1, site);
      ps.setString(2, site);
      ps.setInt(3, limit);
      ps.setInt(4, offset);
      List<Station> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Station(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  instant(rs.getTimestamp(5)),
                  instant(rs.getTimestamp(6)),
                  rs.getArray(7) == null
                      ? List.of()
                      : List.of((String[]) rs.getArray(7).getArray())));
        }
      }
      return out;
    }
  }

  /** Station id, or null when unknown. */
  public Integer stationId(String code) throws SQLException {
    try (var c = ds.getConnection();
        var ps = c.prepareStatement("SELECT id FROM stations WHERE code = ?")) {
      ps.setString(1, code);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : null;
      }
    }
  }

  /** Readings in [from, to), oldest first, at most {@code limit}. */
  public List<RawPoint> raw(int stationId, short parameterId, Instant from, Instant to, int limit)
      throws SQLException {
    String sql =
        "SELECT ts, value, status FROM readings WHERE station_id = ? AND parameter_id = ?"
            + " AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?";
    try (var c = ds.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setInt(1, stationId);
      ps.setShort(2, parameterId);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      ps.setInt(5, limit);
      List<RawPoint> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new RawPoint(
                  rs.getTimestamp(1).toInstant(),
                  rs.getDouble(2),
                  DeviceStatus.ofOrdinalCode(rs.getShort(3))));
        }
      }
      return out;
    }
  }

  /**
   * Buckets of {@code step} in [from, to), aligned on {@code origin} (midnight in the caller's time
   * zone, so that daily buckets are local days). {@code date_bin} works the same on PostgreSQL and
   * on TimescaleDB hypertables, where the ts range prunes chunks.
   */
  public List<Bucket> buckets(
      int stationId, short parameterId, Instant from, Instant to, Duration step, Instant origin)
      throws SQLException {
    String sql =
        "SELECT date_bin(?::interval, ts, ?) AS bucket,"
            + " avg(value) FILTER (WHERE status = 0), min(value) FILTER (WHERE status = 0),"
            + " max(value) FILTER (WHERE status = 0), count(*), count(*) FILTER (WHERE status = 0)"
            + " FROM readings WHERE station_id = ? AND parameter_id = ? AND ts >= ? AND ts < ?"
            + " GROUP BY bucket ORDER BY bucket";
    try (var c = ds.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setString(1, step.getSeconds() + " seconds");
      ps.setTimestamp(2, Timestamp.from(origin));
      ps.setInt(3, stationId);
      ps.setShort(4, parameterId);
      ps.setTimestamp(5, Timestamp.from(from));
      ps.setTimestamp(6, Timestamp.from(to));
      List<Bucket> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Bucket(
                  rs.getTimestamp(1).toInstant(),
                  (Double) rs.getObject(2),
                  (Double) rs.getObject(3),
                  (Double) rs.getObject(4),
                  rs.getInt(5),
                  rs.getInt(6)));
        }
      }
      return out;
    }
  }

  /** Total stored readings; used by health checks, drills and tests. */
  public long count() throws SQLException {
    try (var c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM readings")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}

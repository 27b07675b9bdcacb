package io.outfall.ingest.dashboards;

import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.intake.MeterDays;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * A station's cumulative meters as recorded by people: a counter's rollover and the meters that
 * were replaced (migration V19), which {@link MeterConsumption} needs to count consumption right.
 * Blocking JDBC: call from worker threads only.
 */
public final class Meters {
  /** A replacement as recorded. */
  public record Change(
      Instant at,
      double oldFinal,
      double newStart,
      String note,
      String recordedBy,
      Instant recordedAt) {}

  /** One meter of a station: its rollover (null: none) and its replacements, oldest first. */
  public record Meter(String parameter, Double rollover, List<Change> changes) {}

  private final DataSource ds;

  public Meters(DataSource ds) {
    this.ds = ds;
  }

  /** The station's meters that have a rollover or a replacement recorded. */
  public List<Meter> of(int stationId) throws SQLException {
    Map<String, Double> rollovers = new LinkedHashMap<>();
    Map<String, List<Change>> changes = new LinkedHashMap<>();
    try (Connection c = ds.getConnection()) {
      try (var ps =
          c.prepareStatement(
              "SELECT p.code, m.rollover FROM meters m JOIN parameters p ON p.id = m.parameter_id"
                  + " WHERE m.station_id = ? ORDER BY p.code")) {
        ps.setInt(1, stationId);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) rollovers.put(rs.getString(1), (Double) rs.getObject(2));
        }
      }
      try (var ps =
          c.prepareStatement(
              "SELECT p.code, m.at, m.old_final, m.new_start, m.note, m.recorded_by, m.recorded_at"
                  + " FROM meter_changes m JOIN parameters p ON p.id = m.parameter_id"
                  + " WHERE m.station_id = ? ORDER BY p.code, m.at")) {
        ps.setInt(1, stationId);
        try (var rs = ps.executeQuery()) {
          while (rs.next())
            changes
                .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                .add(
                    new Change(
                        rs.getTimestamp(2).toInstant(),
                        rs.getDouble(3),
                        rs.getDouble(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getTimestamp(7).toInstant()));
        }
      }
    }
    Set<String> codes = new TreeSet<>(rollovers.keySet());
    codes.addAll(changes.keySet());
    List<Meter> out = new ArrayList<>();
    for (String code : codes)
      out.add(new Meter(code, rollovers.get(code), changes.getOrDefault(code, List.of())));
    return out;
  }

  /** Sets (or, with null, clears) the value at which the station's meter starts from zero. */
  public void setRollover(int stationId, String parameter, Double rollover, String by)
      throws SQLException {
    if (rollover != null && !(rollover > 0))
      throw ApiError.badRequest("rollover must be above 0, or null for none");
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "INSERT INTO meters (station_id, parameter_id, rollover, changed_by)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (station_id, parameter_id) DO UPDATE SET"
                    + " rollover = excluded.rollover, changed_by = excluded.changed_by,"
                    + " changed_at = now()")) {
      short meter = meterId(c, parameter);
      ps.setInt(1, stationId);
      ps.setShort(2, meter);
      if (rollover == null) ps.setNull(3, Types.DOUBLE);
      else ps.setDouble(3, rollover);
      ps.setString(4, by);
      ps.executeUpdate();
      MeterDays.dropAll(c, stationId, meter); // every kept day was counted without it
    }
  }

  /** What became of a replacement a gateway reported. */
  public enum Reported {
    RECORDED,
    /** recorded before: gateways repeat their recent changes in every status */
    ALREADY,
    /** not a meter of a station of the reporting gateway's plant */
    REFUSED
  }

  /**
   * Records a replacement a gateway reported in its status, once. A gateway speaks for its own
   * plant only (its topic's site, which the broker checks): a change for another plant's station,
   * or for a parameter that is not a meter, is refused.
   */
  public Reported recordReported(String site, String station, String parameter, Change change)
      throws SQLException {
    if (change.oldFinal() < 0 || change.newStart() < 0) return Reported.REFUSED;
    try (Connection c = ds.getConnection();
        var ids =
            c.prepareStatement(
                "SELECT st.id, p.id FROM stations st JOIN sites s ON s.id = st.site_id,"
                    + " parameters p WHERE st.code = ? AND s.code = ? AND p.code = ?"
                    + " AND p.kind = 'meter'")) {
      ids.setString(1, station);
      ids.setString(2, site);
      ids.setString(3, parameter);
      try (var rs = ids.executeQuery()) {
        if (!rs.next()) return Reported.REFUSED;
        return insert(c, rs.getInt(1), rs.getShort(2), change)
            ? Reported.RECORDED
            : Reported.ALREADY;
      }
    }
  }

  /** Records a replacement; another one at the same instant is refused. */
  public void recordChange(int stationId, String parameter, Change change) throws SQLException {
    if (change.oldFinal() < 0 || change.newStart() < 0)
      throw ApiError.badRequest("old_final and new_start are meter values: 0 or more");
    try (Connection c = ds.getConnection()) {
      if (!insert(c, stationId, meterId(c, parameter), change))
        throw new ApiError(
            409, "a replacement of " + parameter + " at " + change.at() + " is recorded already");
    }
  }

  /**
   * Stores a replacement once (false when one at that instant is stored already) and drops the
   * meter's kept days, every one of which was counted without it.
   */
  private static boolean insert(Connection c, int stationId, short meter, Change change)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO meter_changes (station_id, parameter_id, at, old_final, new_start,"
                + " note, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setInt(1, stationId);
      ps.setShort(2, meter);
      ps.setTimestamp(3, Timestamp.from(change.at()));
      ps.setDouble(4, change.oldFinal());
      ps.setDouble(5, change.newStart());
      ps.setString(6, change.note());
      ps.setString(7, change.recordedBy());
      if (ps.executeUpdate() == 0) return false;
    }
    MeterDays.dropAll(c, stationId, meter);
    return true;
  }

  /** The rules for counting one meter of a station: jitter as {@link PlantKpis}, its rollover. */
  static MeterConsumption.Rules rules(Connection c, int stationId, short parameterId)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT rollover FROM meters WHERE station_id = ? AND parameter_id = ?")) {
      ps.setInt(1, stationId);
      ps.setShort(2, parameterId);
      try (var rs = ps.executeQuery()) {
        Double rollover = rs.next() ? (Double) rs.getObject(1) : null;
        return new MeterConsumption.Rules(PlantKpis.JITTER_FRACTION, rollover);
      }
    }
  }

  /** The replacements of one meter of a station in {@code [from, to]}, oldest first. */
  static List<MeterConsumption.Change> changes(
      Connection c, int stationId, short parameterId, Instant from, Instant to)
      throws SQLException {
    List<MeterConsumption.Change> out = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT at, old_final, new_start FROM meter_changes WHERE station_id = ?"
                + " AND parameter_id = ? AND at >= ? AND at <= ? ORDER BY at")) {
      ps.setInt(1, stationId);
      ps.setShort(2, parameterId);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new MeterConsumption.Change(
                  rs.getTimestamp(1).getTime(), rs.getDouble(2), rs.getDouble(3)));
      }
    }
    return out;
  }

  private static short meterId(Connection c, String parameter) throws SQLException {
    try (var ps = c.prepareStatement("SELECT id, kind FROM parameters WHERE code = ?")) {
      ps.setString(1, parameter);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) throw ApiError.notFound("unknown parameter '" + parameter + "'");
        if (!"meter".equals(rs.getString(2)))
          throw ApiError.badRequest(parameter + " is not a cumulative meter");
        return rs.getShort(1);
      }
    }
  }
}

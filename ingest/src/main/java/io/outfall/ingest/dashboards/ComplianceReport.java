package io.outfall.ingest.dashboards;

import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.intake.AggregateFollower;
import io.outfall.ingest.registry.SamplingPlans;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A plant's compliance report over a period (a month, or today on the operator page): hours
 * monitored, the share of valid data, each parameter's statistics, breaches by parameter and band,
 * and alerts with the time staff took to acknowledge them. Built from the hourly aggregates and the
 * alerts. Blocking JDBC: call from worker threads.
 */
public final class ComplianceReport {

  /** A parameter's month: counts by device status, valid-data statistics and completeness. */
  public record ParameterMonth(
      String parameter,
      String unit,
      long readings,
      long valid,
      long calibrating,
      long fault,
      Double mean,
      Double min,
      Double max,
      Double completeness,
      long filledSlots,
      long expectedSlots,
      long slotMinutes) {}

  /** Compliance alerts of one parameter and band: how many, and their hours inside the month. */
  public record Breaches(
      String parameter, String band, int count, double hours, Double maxFactor) {}

  /** Alerts of one kind: how many, how many acknowledged, and minutes to acknowledge. */
  public record AlertKind(
      String kind,
      String family,
      int count,
      int acknowledged,
      Double medianAckMinutes,
      Double maxAckMinutes) {}

  public record Result(
      String station,
      Instant from,
      Instant to,
      double hoursInPeriod,
      int hoursMonitored,
      double validShare,
      Double completeness,
      double breachHours,
      List<ParameterMonth> parameters,
      List<Breaches> breaches,
      List<AlertKind> alerts) {}

  private final DataSource ds;
  private final SamplingPlans plans;

  public ComplianceReport(DataSource ds, SamplingPlans plans) {
    this.ds = ds;
    this.plans = plans;
  }

  /** The report over [from, to) (a local month; the end is capped at now by the caller). */
  public Result build(String station, int stationId, Instant from, Instant to) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      AggregateFollower.awaitFolded(c); // the aggregates read below hold every stored reading
      // Completeness as the alerts and outfall check count it: slots of the station's plan, from
      // the slot of the first valid reading when the station began reporting inside the period.
      // the plan as it stands now, as the overview counts: a station's first hours are not held to
      // the default before its own readings showed its interval
      SamplingPlan plan = plans.cached(c, station, Instant.now());
      Map<String, SlotMasks.Series> masks =
          SlotMasks.read(c, stationId, from, to).getOrDefault(stationId, Map.of());
      Completeness.Share overall = Completeness.NONE;
      List<ParameterMonth> params = new ArrayList<>();
      long all = 0;
      long valid = 0;
      try (var ps =
          c.prepareStatement(
              "SELECT p.code, p.unit, sum(n), sum(n_valid), sum(n_calibrating), sum(n_fault),"
                  + " sum(sum_valid) / nullif(sum(n_valid), 0), min(min_valid), max(max_valid)"
                  + " FROM readings_hourly h JOIN parameters p ON p.id = h.parameter_id"
                  + " WHERE station_id = ? AND hour >= ? AND hour < ? AND p.kind <> 'meter'"
                  + " GROUP BY p.id, p.code, p.unit ORDER BY p.id")) {
        ps.setInt(1, stationId);
        ps.setTimestamp(2, Timestamp.from(from));
        ps.setTimestamp(3, Timestamp.from(to));
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            String parameter = rs.getString(1);
            SlotMasks.Series series = masks.get(parameter);
            Completeness.Share share =
                series == null ? Completeness.NONE : series.share(from, to, plan, parameter);
            overall = overall.plus(share);
            params.add(
                new ParameterMonth(
                    parameter,
                    rs.getString(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6),
                    (Double) rs.getObject(7),
                    (Double) rs.getObject(8),
                    (Double) rs.getObject(9),
                    share.value(),
                    share.filled(),
                    share.expected(),
                    plan.slot(parameter).toMinutes()));
            all += rs.getLong(3);
            valid += rs.getLong(4);
          }
        }
      }
      int hoursMonitored;
      try (var ps =
          c.prepareStatement(
              "SELECT count(DISTINCT hour) FROM readings_hourly"
                  + " WHERE station_id = ? AND hour >= ? AND hour < ?")) {
        ps.setInt(1, stationId);
        ps.setTimestamp(2, Timestamp.from(from));
        ps.setTimestamp(3, Timestamp.from(to));
        try (var rs = ps.executeQuery()) {
          rs.next();
          hoursMonitored = rs.getInt(1);
        }
      }
      return new Result(
          station,
          from,
          to,
          Duration.between(from, to).toMinutes() / 60.0,
          hoursMonitored,
          all == 0 ? 0 : valid / (double) all,
          overall.value(),
          BreachHours.of(
              BreachHours.spans(c, List.of(station), from, to).getOrDefault(station, List.of()),
              from,
              to),
          params,
          breaches(c, station, from, to),
          alerts(c, station, from, to));
    }
  }

  private static List<Breaches> breaches(Connection c, String station, Instant from, Instant to)
      throws SQLException {
    String sql =
        "SELECT parameter, coalesce(band, ''), count(*), extract(epoch FROM"
            + " sum(least(coalesce(resolved_at, ?), ?) - greatest(started_at, ?))) / 3600,"
            + " max(factor)"
            + " FROM alerts WHERE family = 'compliance' AND station = ? AND started_at < ?"
            + " AND coalesce(resolved_at, 'infinity') > ? GROUP BY 1, 2 ORDER BY 1, 2";
    List<Breaches> out = new ArrayList<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(to));
      ps.setTimestamp(2, Timestamp.from(to));
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setString(4, station);
      ps.setTimestamp(5, Timestamp.from(to));
      ps.setTimestamp(6, Timestamp.from(from));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new Breaches(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getInt(3),
                  rs.getDouble(4),
                  (Double) rs.getObject(5)));
      }
    }
    return out;
  }

  private static List<AlertKind> alerts(Connection c, String station, Instant from, Instant to)
      throws SQLException {
    String sql =
        "SELECT kind, family, count(*), count(acknowledged_at),"
            + " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at"
            + "   - started_at) / 60) FILTER (WHERE acknowledged_at IS NOT NULL),"
            + " max(extract(epoch FROM acknowledged_at - started_at) / 60)"
            + " FROM alerts WHERE station = ? AND started_at >= ? AND started_at < ?"
            + " GROUP BY 1, 2 ORDER BY 2, 1";
    List<AlertKind> out = new ArrayList<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setString(1, station);
      ps.setTimestamp(2, Timestamp.from(from));
      ps.setTimestamp(3, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new AlertKind(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getInt(3),
                  rs.getInt(4),
                  rs.getObject(5) == null ? null : rs.getDouble(5),
                  rs.getObject(6) == null ? null : rs.getDouble(6)));
      }
    }
    return out;
  }
}

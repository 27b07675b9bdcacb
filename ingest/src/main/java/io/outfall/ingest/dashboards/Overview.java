package io.outfall.ingest.dashboards;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The regulator's overview: every cluster (site) and plant (station) with its compliance state now,
 * hours in breach and data completeness over 24 h and 30 days, and the worst offenders. Reads the
 * hourly aggregates and the alerts, never the raw readings' history, so it stays fast as data
 * grows. Blocking JDBC: call from worker threads only.
 */
public final class Overview {
  /** How long without a reading before a plant counts as silent (the stale alert's threshold). */
  static final Duration SILENT_AFTER = Duration.ofMinutes(30);

  /** Slots of five minutes, as the regulator counts transmissions; 12 per hour. */
  static final Duration SLOT = Duration.ofMinutes(5);

  public enum State {
    /** A compliance alert (breach of the permit) is open. */
    BREACH,
    /** No reading for {@link #SILENT_AFTER}: compliance cannot be shown. */
    NO_DATA,
    /** Data flows and no breach is open, but a data-quality alert is (fault, flat line...). */
    DATA_ISSUE,
    COMPLIANT;

    public boolean compliant() {
      return this == COMPLIANT || this == DATA_ISSUE;
    }
  }

  public record OpenAlert(
      long id, String kind, String family, String parameter, String band, Instant startedAt) {}

  public record Plant(
      String station,
      String name,
      String site,
      String siteName,
      State state,
      Instant lastReading,
      List<OpenAlert> openAlerts,
      double breachHours24h,
      double breachHours30d,
      Double completeness24h,
      Double completeness30d) {}

  public record Cluster(String site, String name, boolean compliant, List<Plant> plants) {}

  public record Result(
      Instant at,
      List<Cluster> clusters,
      int plants,
      int plantsCompliant,
      int clustersCompliant,
      List<Plant> worst) {}

  private final DataSource ds;

  public Overview(DataSource ds) {
    this.ds = ds;
  }

  public Result at(Instant now) throws SQLException {
    Instant day = now.minus(Duration.ofHours(24));
    Instant month = now.minus(Duration.ofDays(30));
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      Map<Integer, String[]> stations = stations(c);
      Map<String, List<OpenAlert>> open = openAlerts(c);
      Map<String, Double> breach24 = breachHours(c, day, now);
      Map<String, Double> breach30 = breachHours(c, month, now);
      Map<Integer, Instant> last = lastReadings(c, now.minus(Duration.ofHours(2)));
      Map<Integer, double[]> complete = completeness(c, day, month, now);

      Map<String, List<Plant>> bySite = new LinkedHashMap<>();
      Map<String, String> siteNames = new HashMap<>();
      List<Plant> all = new ArrayList<>();
      for (var e : stations.entrySet()) {
        String[] s = e.getValue(); // code, name, site, site name
        List<OpenAlert> alerts = open.getOrDefault(s[0], List.of());
        Instant lastReading = last.get(e.getKey());
        State state;
        if (alerts.stream().anyMatch(a -> a.family().equals("compliance"))) state = State.BREACH;
        else if (lastReading == null || lastReading.isBefore(now.minus(SILENT_AFTER)))
          state = State.NO_DATA;
        else if (alerts.stream().anyMatch(a -> a.family().equals("data_quality")))
          state = State.DATA_ISSUE;
        else state = State.COMPLIANT;
        Plant p =
            new Plant(
                s[0],
                s[1],
                s[2],
                s[3],
                state,
                lastReading,
                alerts,
                breach24.getOrDefault(s[0], 0.0),
                breach30.getOrDefault(s[0], 0.0),
                share(complete.get(e.getKey()), 0),
                share(complete.get(e.getKey()), 1));
        bySite.computeIfAbsent(s[2], k -> new ArrayList<>()).add(p);
        siteNames.put(s[2], s[3]);
        all.add(p);
      }
      List<Cluster> clusters = new ArrayList<>();
      bySite.forEach(
          (site, plants) ->
              clusters.add(
                  new Cluster(
                      site,
                      siteNames.get(site),
                      plants.stream().allMatch(p -> p.state().compliant()),
                      plants)));
      List<Plant> worst =
          all.stream()
              .filter(p -> p.breachHours30d() > 0 || p.state() == State.BREACH)
              .sorted(
                  Comparator.comparingDouble(Plant::breachHours30d)
                      .thenComparingDouble(Plant::breachHours24h)
                      .reversed())
              .limit(5)
              .toList();
      return new Result(
          now,
          clusters,
          all.size(),
          (int) all.stream().filter(p -> p.state().compliant()).count(),
          (int) clusters.stream().filter(Cluster::compliant).count(),
          worst);
    }
  }

  private static Map<Integer, String[]> stations(Connection c) throws SQLException {
    Map<Integer, String[]> out = new LinkedHashMap<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT s.id, s.code, s.name, si.code, si.name FROM stations s"
                    + " JOIN sites si ON si.id = s.site_id ORDER BY si.code, s.code")) {
      while (rs.next())
        out.put(
            rs.getInt(1),
            new String[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
    }
    return out;
  }

  private static Map<String, List<OpenAlert>> openAlerts(Connection c) throws SQLException {
    Map<String, List<OpenAlert>> out = new HashMap<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT id, station, kind, family, parameter, band, started_at FROM alerts"
                    + " WHERE state <> 'resolved' AND family <> 'warning' ORDER BY started_at")) {
      while (rs.next())
        out.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
            .add(
                new OpenAlert(
                    rs.getLong(1),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6),
                    rs.getTimestamp(7).toInstant()));
    }
    return out;
  }

  /**
   * Hours in [from, to) during which a plant had at least one compliance alert: the union of the
   * alerts' periods, so two parameters in breach at once count once.
   */
  static Map<String, Double> breachHours(Connection c, Instant from, Instant to)
      throws SQLException {
    String sql =
        "SELECT station, extract(epoch FROM sum(upper(r) - lower(r))) / 3600 FROM ("
            + " SELECT station, unnest(range_agg(tstzrange(greatest(started_at, ?),"
            + "   least(coalesce(resolved_at, ?), ?)))) AS r"
            + " FROM alerts WHERE family = 'compliance' AND started_at < ?"
            + "   AND coalesce(resolved_at, 'infinity') > ? GROUP BY station) x GROUP BY station";
    Map<String, Double> out = new HashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(from));
      ps.setTimestamp(2, Timestamp.from(to));
      ps.setTimestamp(3, Timestamp.from(to));
      ps.setTimestamp(4, Timestamp.from(to));
      ps.setTimestamp(5, Timestamp.from(from));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getString(1), rs.getDouble(2));
      }
    }
    return out;
  }

  /** Newest reading of each station that reported since {@code since}, by index probes. */
  private static Map<Integer, Instant> lastReadings(Connection c, Instant since)
      throws SQLException {
    String sql =
        "SELECT k.station_id, max(l.ts) FROM (SELECT DISTINCT station_id, parameter_id"
            + " FROM readings_hourly WHERE hour >= date_trunc('hour', ?::timestamptz, 'UTC')) k"
            + " CROSS JOIN LATERAL (SELECT ts FROM readings r WHERE r.station_id = k.station_id"
            + "   AND r.parameter_id = k.parameter_id ORDER BY ts DESC LIMIT 1) l"
            + " GROUP BY k.station_id";
    Map<Integer, Instant> out = new HashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(since));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getInt(1), rs.getTimestamp(2).toInstant());
      }
    }
    return out;
  }

  /**
   * Share of the five-minute slots that hold a valid (00) reading, over the quality and flow
   * parameters each plant reported, for the day window [day, to) and the month window [month, to)
   * at once ({0: day, 1: month} per station id). A window starts at the parameter's first reported
   * hour when that is later, so a plant connected yesterday is not judged on last month.
   *
   * <p>The month's whole UTC days come from {@code readings_daily} (one row per parameter and day),
   * its ragged ends and the day window from {@code readings_hourly}: about 5,000 rows for 20 plants
   * of 8 parameters instead of 115,000.
   */
  public static Map<Integer, double[]> completeness(
      Connection c, Instant day, Instant month, Instant to) throws SQLException {
    Instant dayHour = day.truncatedTo(ChronoUnit.HOURS);
    Instant monthHour = month.truncatedTo(ChronoUnit.HOURS);
    Instant daysFrom = monthHour.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
    Instant daysTo = to.truncatedTo(ChronoUnit.DAYS);
    if (!daysFrom.isBefore(daysTo)) daysFrom = daysTo = monthHour; // no whole day: hours only
    Instant hoursFrom = dayHour.isBefore(daysTo) ? dayHour : daysTo;
    String sql =
        "SELECT station_id, parameter_id, min(first_hour), sum(month_slots), min(first_day_hour),"
            + " sum(day_slots) FROM ("
            + " SELECT station_id, parameter_id, first_hour, bit_count(valid_slots) AS month_slots,"
            + "   NULL::timestamptz AS first_day_hour, 0 AS day_slots"
            + "   FROM readings_daily WHERE day >= ? AND day < ?"
            + " UNION ALL"
            + " SELECT station_id, parameter_id, hour,"
            + "   CASE WHEN hour < ? OR hour >= ? THEN bit_count(valid_slots::bit(12)) ELSE 0 END,"
            + "   CASE WHEN hour >= ? THEN hour END,"
            + "   CASE WHEN hour >= ? THEN bit_count(valid_slots::bit(12)) ELSE 0 END"
            + "   FROM readings_hourly WHERE (hour >= ? AND hour < ?) OR (hour >= ? AND hour < ?)"
            + ") x WHERE parameter_id IN (SELECT id FROM parameters WHERE kind <> 'meter')"
            + " GROUP BY station_id, parameter_id";
    // station id -> {day slots set, day slots expected, month slots set, month slots expected}
    Map<Integer, long[]> sums = new HashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setObject(1, LocalDate.ofInstant(daysFrom, ZoneOffset.UTC));
      ps.setObject(2, LocalDate.ofInstant(daysTo, ZoneOffset.UTC));
      ps.setTimestamp(3, Timestamp.from(daysFrom));
      ps.setTimestamp(4, Timestamp.from(daysTo));
      ps.setTimestamp(5, Timestamp.from(dayHour));
      ps.setTimestamp(6, Timestamp.from(dayHour));
      ps.setTimestamp(7, Timestamp.from(monthHour));
      ps.setTimestamp(8, Timestamp.from(daysFrom));
      ps.setTimestamp(9, Timestamp.from(hoursFrom));
      ps.setTimestamp(10, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          long[] s = sums.computeIfAbsent(rs.getInt(1), k -> new long[4]);
          Timestamp firstToday = rs.getTimestamp(5);
          if (firstToday != null) {
            s[0] += rs.getLong(6);
            s[1] += slotsSince(firstToday.toInstant(), dayHour, to);
          }
          s[2] += rs.getLong(4);
          s[3] += slotsSince(rs.getTimestamp(3).toInstant(), monthHour, to);
        }
      }
    }
    Map<Integer, double[]> out = new HashMap<>();
    sums.forEach(
        (station, s) ->
            out.put(
                station,
                new double[] {
                  s[1] == 0 ? Double.NaN : Math.min(1.0, s[0] / (double) s[1]),
                  Math.min(1.0, s[2] / (double) Math.max(1, s[3]))
                }));
    return out;
  }

  private static long slotsSince(Instant first, Instant windowStart, Instant to) {
    Instant start = first.isAfter(windowStart) ? first : windowStart;
    return Math.max(1, Duration.between(start, to).dividedBy(SLOT));
  }

  private static Double share(double[] shares, int i) {
    return shares == null || Double.isNaN(shares[i]) ? null : shares[i];
  }
}

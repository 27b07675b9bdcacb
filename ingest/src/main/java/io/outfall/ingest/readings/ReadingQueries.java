package io.outfall.ingest.readings;

import io.outfall.ingest.intake.AggregateFollower;
import io.outfall.protocol.DeviceStatus;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
   * only, and null when the bucket has none; {@code count} counts all readings, {@code valid},
   * {@code calibrating} and {@code fault} those of each device status.
   */
  public record Bucket(
      Instant start,
      Double mean,
      Double min,
      Double max,
      int count,
      int valid,
      int calibrating,
      int fault) {}

  public List<Station> stations(String site, int limit, int offset) throws SQLException {
    return stations(site, null, limit, offset);
  }

  /**
   * @param onlySites when not null, only stations of these sites (an operator's)
   */
  public List<Station> stations(String site, Set<String> onlySites, int limit, int offset)
      throws SQLException {
    // The page first, then its stations' spans (SPANS_OF): a few rows per station from an index
    // that stays cached, instead of two probes per parameter into the oldest and newest chunks of
    // readings (docs/performance.md).
    String sql =
        "WITH page AS MATERIALIZED (SELECT s.id, s.code, si.code AS site, s.name, s.gateway"
            + " FROM stations s JOIN sites si ON si.id = s.site_id"
            + " WHERE (?::text IS NULL OR si.code = ?) AND (?::text[] IS NULL OR si.code = ANY(?))"
            + " ORDER BY si.code, s.code LIMIT ? OFFSET ?), "
            + SPANS_OF.formatted("SELECT id FROM page")
            + " SELECT page.code, page.site, page.name, page.gateway, agg.first_ts, agg.last_ts,"
            + " agg.params FROM page LEFT JOIN (SELECT k.station_id, min(k.first_ts) AS first_ts,"
            + " max(k.last_ts) AS last_ts, array_agg(p.code ORDER BY p.id) AS params"
            + " FROM spans k JOIN parameters p ON p.id = k.parameter_id GROUP BY 1) agg"
            + " ON agg.station_id = page.id ORDER BY page.site, page.code";
    try (var c = ds.getConnection()) {
      return stations(c, sql, site, onlySites, limit, offset);
    }
  }

  /**
   * {@code spans}: per station-parameter of the stations {@code %s} (a subquery of ids) that has
   * readings, the first and last reading's time. From {@code reading_spans} (migration V23) and the
   * key ranges of the batches stored but not folded into it yet: the follower folds a batch and
   * deletes its row in one transaction, so one statement finds every stored reading in the one or
   * the other, exact without waiting for the follower (which a page under a province's load would
   * do at nearly every request).
   */
  private static final String SPANS_OF =
      "spans AS (SELECT station_id, parameter_id, min(lo) AS first_ts, max(hi) AS last_ts FROM ("
          + "SELECT station_id, parameter_id, first_ts AS lo, last_ts AS hi FROM reading_spans"
          + " WHERE station_id IN (%1$s)"
          + " UNION ALL SELECT k.station_id, k.parameter_id, k.lo, k.hi FROM reading_batches b"
          + " CROSS JOIN LATERAL unnest(b.station_ids, b.parameter_ids, b.first_ts, b.last_ts)"
          + " AS k(station_id, parameter_id, lo, hi) WHERE k.station_id IN (%1$s)) x GROUP BY 1, 2)";

  private static List<Station> stations(
      Connection c, String sql, String site, Set<String> onlySites, int limit, int offset)
      throws SQLException {
    try (var ps = c.prepareStatement(sql)) {
      Array sites = onlySites == null ? null : c.createArrayOf("text", onlySites.toArray());
      ps.setString(1, site);
      ps.setString(2, site);
      ps.setArray(3, sites);
      ps.setArray(4, sites);
      ps.setInt(5, limit);
      ps.setInt(6, offset);
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

  /** The parameters a station has readings of ({@link #SPANS_OF}), in catalog order. */
  public List<Short> parametersOf(int stationId) throws SQLException {
    try (var c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "WITH "
                    + SPANS_OF.formatted("SELECT ?::int")
                    + " SELECT parameter_id FROM spans ORDER BY 1")) {
      ps.setInt(1, stationId);
      ps.setInt(2, stationId);
      List<Short> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getShort(1));
      }
      return out;
    }
  }

  /**
   * Readings in [from, to) of each of {@code parameterIds}, oldest first, at most {@code limit} of
   * each: one statement for a chart's parameters, each its own index range, so that one parameter's
   * limit does not take another's rows.
   */
  public Map<Short, List<RawPoint>> raw(
      int stationId, List<Short> parameterIds, Instant from, Instant to, int limit)
      throws SQLException {
    String sql =
        "SELECT p, r.ts, r.value, r.status FROM unnest(?::int2[]) WITH ORDINALITY AS u(p, n)"
            + " CROSS JOIN LATERAL (SELECT ts, value, status FROM readings"
            + " WHERE station_id = ? AND parameter_id = u.p AND ts >= ? AND ts < ?"
            + " ORDER BY ts LIMIT ?) r ORDER BY u.n, r.ts";
    Map<Short, List<RawPoint>> out = new LinkedHashMap<>();
    for (short p : parameterIds) out.putIfAbsent(p, new ArrayList<>());
    try (var c = ds.getConnection();
        var ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("int2", out.keySet().toArray()));
      ps.setInt(2, stationId);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      ps.setInt(5, limit);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.get(rs.getShort(1))
              .add(
                  new RawPoint(
                      rs.getTimestamp(2).toInstant(),
                      rs.getDouble(3),
                      DeviceStatus.ofOrdinalCode(rs.getShort(4))));
        }
      }
    }
    return out;
  }

  /**
   * Buckets of {@code step} in [from, to) for each of {@code parameterIds}, aligned on {@code
   * origin} (midnight in the caller's time zone, so that daily buckets are local days). When whole
   * hours make a bucket (step a multiple of an hour, origin on an hour), the whole hours inside the
   * range come from {@code readings_hourly} and only the ragged ends from {@code readings}: a
   * 30-day chart reads 720 rows per parameter instead of 43,200. Rows are fetched by time range
   * (which prunes TimescaleDB chunks) and bucketed here.
   */
  public Map<Short, List<Bucket>> buckets(
      int stationId,
      List<Short> parameterIds,
      Instant from,
      Instant to,
      Duration step,
      Instant origin)
      throws SQLException {
    Bucketing b = new Bucketing(stationId, parameterIds.toArray(Short[]::new), step, origin);
    try (var c = ds.getConnection()) {
      boolean hourly =
          step.toSeconds() % 3600 == 0
              && origin.getEpochSecond() % 3600 == 0
              && step.toNanosPart() == 0;
      Instant innerFrom = ceilHour(from);
      Instant innerTo = to.truncatedTo(ChronoUnit.HOURS);
      if (hourly && innerFrom.isBefore(innerTo)) {
        AggregateFollower.awaitFolded(c); // whole hours from the aggregates: all of them folded
        b.hourly(c, innerFrom, innerTo);
        if (from.isBefore(innerFrom)) b.raw(c, from, innerFrom);
        if (innerTo.isBefore(to)) b.raw(c, innerTo, to);
      } else {
        b.raw(c, from, to);
      }
    }
    Map<Short, List<Bucket>> out = new HashMap<>();
    for (Short id : parameterIds) {
      List<Bucket> list = new ArrayList<>();
      b.buckets.getOrDefault(id, new TreeMap<>()).forEach((t, p) -> list.add(p.bucket(t)));
      out.put(id, list);
    }
    return out;
  }

  /**
   * Sums rows into buckets of {@code step} aligned on {@code origin}, per parameter. Bucketing
   * happens here rather than in SQL: fetching a 24-hour chart's 11,520 readings takes 5 ms,
   * grouping them in PostgreSQL (date_bin and seven filtered aggregates) 15 to 30 ms.
   */
  private static final class Bucketing {
    final int stationId;
    final Short[] ids;
    final long stepMs;
    final long originMs;
    final Map<Short, TreeMap<Instant, Partial>> buckets = new HashMap<>();

    Bucketing(int stationId, Short[] ids, Duration step, Instant origin) {
      this.stationId = stationId;
      this.ids = ids;
      this.stepMs = step.toMillis();
      this.originMs = origin.toEpochMilli();
    }

    /** Whole hours of {@code readings_hourly} in [from, to). */
    void hourly(Connection c, Instant from, Instant to) throws SQLException {
      String sql =
          "SELECT parameter_id, hour, sum_valid, min_valid, max_valid, n, n_valid, n_calibrating,"
              + " n_fault FROM readings_hourly"
              + " WHERE station_id = ? AND parameter_id = ANY (?) AND hour >= ? AND hour < ?";
      try (var ps = select(c, sql, from, to);
          var rs = ps.executeQuery()) {
        while (rs.next()) {
          bucket(rs.getShort(1), rs.getTimestamp(2).getTime())
              .add(
                  (Double) rs.getObject(3),
                  (Double) rs.getObject(4),
                  (Double) rs.getObject(5),
                  rs.getLong(6),
                  rs.getLong(7),
                  rs.getLong(8),
                  rs.getLong(9));
        }
      }
    }

    /** Raw readings in [from, to). */
    void raw(Connection c, Instant from, Instant to) throws SQLException {
      String sql =
          "SELECT parameter_id, ts, value, status FROM readings"
              + " WHERE station_id = ? AND parameter_id = ANY (?) AND ts >= ? AND ts < ?";
      try (var ps = select(c, sql, from, to);
          var rs = ps.executeQuery()) {
        while (rs.next()) {
          bucket(rs.getShort(1), rs.getTimestamp(2).getTime())
              .addReading(rs.getDouble(3), rs.getShort(4));
        }
      }
    }

    private PreparedStatement select(Connection c, String sql, Instant from, Instant to)
        throws SQLException {
      var ps = c.prepareStatement(sql);
      ps.setInt(1, stationId);
      ps.setArray(2, c.createArrayOf("int2", ids));
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      return ps;
    }

    /** The bucket of {@code parameter} that {@code tsMs} falls in: origin + k × step. */
    private Partial bucket(short parameter, long tsMs) {
      Instant start =
          Instant.ofEpochMilli(originMs + Math.floorDiv(tsMs - originMs, stepMs) * stepMs);
      return buckets
          .computeIfAbsent(parameter, k -> new TreeMap<>())
          .computeIfAbsent(start, k -> new Partial());
    }
  }

  /** A bucket being summed from hourly aggregates and raw readings. */
  private static final class Partial {
    double sum;
    Double min;
    Double max;
    long count;
    long valid;
    long calibrating;
    long fault;

    void add(Double s, Double mn, Double mx, long n, long v, long cal, long f) {
      if (s != null) sum += s;
      if (mn != null) min = min == null ? mn : Math.min(min, mn);
      if (mx != null) max = max == null ? mx : Math.max(max, mx);
      count += n;
      valid += v;
      calibrating += cal;
      fault += f;
    }

    void addReading(double value, short status) {
      count++;
      switch (status) {
        case 0 -> {
          sum += value;
          min = min == null ? value : Math.min(min, value);
          max = max == null ? value : Math.max(max, value);
          valid++;
        }
        case 1 -> calibrating++;
        default -> fault++;
      }
    }

    Bucket bucket(Instant start) {
      return new Bucket(
          start,
          valid == 0 ? null : sum / valid,
          min,
          max,
          (int) count,
          (int) valid,
          (int) calibrating,
          (int) fault);
    }
  }

  private static Instant ceilHour(Instant t) {
    Instant floor = t.truncatedTo(ChronoUnit.HOURS);
    return floor.equals(t) ? t : floor.plus(1, ChronoUnit.HOURS);
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

package io.outfall.ingest.intake;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cumulative meter's consumption per completed day, kept once computed (migration V21): a year of
 * KPIs reads 365 rows per meter instead of every reading of the year. Who computes a day and how is
 * {@code PlantKpis}'s; this class keeps the figures and drops them when they may have changed: the
 * aggregate follower drops the days a folded batch may change ({@link AggregateFollower}), and
 * recording a meter's replacement or rollover drops all of the meter's ({@link #dropAll}).
 *
 * <p>Each drop counts one more generation of the meter. A reader reads the generation before it
 * computes and keeps its figures only if the generation is still that one: a drop between its
 * reading and its keeping (a late batch folded meanwhile) is never overwritten with older figures.
 */
public final class MeterDays {
  private MeterDays() {}

  /** One more generation for each (station_id, parameter_id) row of the query in {@code %s}. */
  static final String BUMP_FROM =
      "INSERT INTO meter_generations (station_id, parameter_id, gen)"
          + " SELECT station_id, parameter_id, 1 FROM %s m"
          + " ON CONFLICT (station_id, parameter_id) DO UPDATE SET gen = meter_generations.gen + 1";

  /**
   * A day is kept once it ended this long ago; a batch whose meter readings reach back further than
   * {@link #LATE} counts a generation (see {@link #dropChanged}). The margin between the two covers
   * the clocks of a reader and a follower a little apart.
   */
  public static final Duration SETTLED = Duration.ofHours(1);

  static final Duration LATE = Duration.ofMinutes(30);

  /** The meters in batches {@code ids}: per key range, its meter's reading before and after it. */
  private static final String RANGES =
      "SELECT k.station_id, k.parameter_id, coalesce((SELECT max(r.ts) FROM readings r"
          + " WHERE r.station_id = k.station_id AND r.parameter_id = k.parameter_id"
          + " AND r.status = 0 AND r.ts < k.lo), k.lo) AS before,"
          + " coalesce((SELECT min(r.ts) FROM readings r WHERE r.station_id = k.station_id"
          + " AND r.parameter_id = k.parameter_id AND r.status = 0 AND r.ts > k.hi), k.hi) AS after"
          + " FROM reading_batches b"
          + " CROSS JOIN LATERAL unnest(b.station_ids, b.parameter_ids, b.first_ts, b.last_ts)"
          + " AS k(station_id, parameter_id, lo, hi)"
          + " JOIN parameters p ON p.id = k.parameter_id AND p.kind = 'meter'"
          + " WHERE b.id = ANY (?)";

  /**
   * In the follower's transaction, before it folds batches {@code ids}: drops the kept days their
   * meter readings may change, from each meter's reading before a batch's range to its reading
   * after it (a late reading, or the first after a gap, changes how an increase is shared between
   * the days it spans). A batch that reaches back past {@link #LATE} counts a generation of its
   * meters first, so that a reader computing those days meanwhile does not keep them; a live batch
   * (the readings of the last minutes, the usual case) counts none and touches no kept day.
   */
  static void dropChanged(Connection c, Array ids) throws SQLException {
    // one look for the ranges (two index probes each): the generations counted in the same
    // statement, the drop in the next, so that it sees what a reader kept before the count
    List<Integer> stations = new ArrayList<>();
    List<Short> meters = new ArrayList<>();
    List<Timestamp> before = new ArrayList<>();
    List<Timestamp> after = new ArrayList<>();
    try (var ranges =
        c.prepareStatement(
            "WITH x AS ("
                + RANGES
                + "), bump AS ("
                + BUMP_FROM.formatted(
                    "(SELECT DISTINCT station_id, parameter_id FROM x WHERE before < now()"
                        + " - make_interval(secs => "
                        + LATE.toSeconds()
                        + "))")
                + ") SELECT station_id, parameter_id, before, after FROM x")) {
      ranges.setArray(1, ids);
      try (var rs = ranges.executeQuery()) {
        while (rs.next()) {
          stations.add(rs.getInt(1));
          meters.add(rs.getShort(2));
          before.add(rs.getTimestamp(3));
          after.add(rs.getTimestamp(4));
        }
      }
    }
    if (stations.isEmpty()) return; // no meter readings in these batches
    try (var drop =
        c.prepareStatement(
            "DELETE FROM meter_days d USING unnest(?::int[], ?::smallint[], ?::timestamptz[],"
                + " ?::timestamptz[]) AS x(station_id, parameter_id, before, after)"
                + " WHERE d.station_id = x.station_id AND d.parameter_id = x.parameter_id"
                + " AND d.day_start > x.before - interval '1 day' AND d.day_start <= x.after")) {
      drop.setArray(1, c.createArrayOf("int4", stations.toArray()));
      drop.setArray(2, c.createArrayOf("int2", meters.toArray()));
      drop.setArray(3, c.createArrayOf("timestamptz", before.toArray()));
      drop.setArray(4, c.createArrayOf("timestamptz", after.toArray()));
      drop.executeUpdate();
    }
  }

  /**
   * A kept day: what the meter counted, whether the day held a reading of it, and where the reading
   * stood at its end (epoch ms and value; null before any reading).
   */
  public record Day(double consumption, boolean hadReading, Long endTsMs, Double endValue) {}

  /** The meter's generation now; 0 before any drop. */
  public static long generation(Connection c, int station, short parameter) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT gen FROM meter_generations WHERE station_id = ? AND parameter_id = ?")) {
      ps.setInt(1, station);
      ps.setShort(2, parameter);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  /** The kept days starting in {@code [from, to)}, by their start (epoch ms). */
  public static Map<Long, Day> kept(
      Connection c, int station, short parameter, Instant from, Instant to) throws SQLException {
    Map<Long, Day> out = new HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT day_start, consumption, had_reading, end_ts, end_value FROM meter_days"
                + " WHERE station_id = ?"
                + " AND parameter_id = ? AND day_start >= ? AND day_start < ?")) {
      ps.setInt(1, station);
      ps.setShort(2, parameter);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.put(
              rs.getTimestamp(1).getTime(),
              new Day(
                  rs.getDouble(2),
                  rs.getBoolean(3),
                  rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).getTime(),
                  (Double) rs.getObject(5)));
      }
    }
    return out;
  }

  /** A computed day to keep, by its start. */
  public record Computed(Instant start, Day day) {}

  /**
   * Keeps computed days if the meter's generation is still {@code generation}; nothing when a drop
   * came between. Holds the generation's row (FOR SHARE) while inserting, so that a drop waits for
   * this to commit and then sees what it kept. A day kept already is left as it is.
   */
  public static void keep(
      Connection c, int station, short parameter, long generation, List<Computed> days)
      throws SQLException {
    if (days.isEmpty()) return;
    boolean auto = c.getAutoCommit();
    try (var row =
            c.prepareStatement(
                "INSERT INTO meter_generations (station_id, parameter_id, gen) VALUES (?, ?, 0)"
                    + " ON CONFLICT DO NOTHING");
        var lock =
            c.prepareStatement(
                "SELECT gen FROM meter_generations WHERE station_id = ? AND parameter_id = ?"
                    + " FOR SHARE");
        var ins =
            c.prepareStatement(
                "INSERT INTO meter_days (station_id, parameter_id, day_start, consumption,"
                    + " had_reading, end_ts, end_value) SELECT ?, ?, d, u, r, e, v FROM"
                    + " unnest(?::timestamptz[], ?::float8[], ?::bool[], ?::timestamptz[],"
                    + " ?::float8[]) AS x(d, u, r, e, v) ON CONFLICT DO NOTHING")) {
      row.setInt(1, station);
      row.setShort(2, parameter);
      row.executeUpdate();
      c.setAutoCommit(false);
      lock.setInt(1, station);
      lock.setShort(2, parameter);
      try (var rs = lock.executeQuery()) {
        if (!rs.next() || rs.getLong(1) != generation) {
          c.rollback();
          return;
        }
      }
      Timestamp[] starts = new Timestamp[days.size()];
      Double[] used = new Double[days.size()];
      Boolean[] read = new Boolean[days.size()];
      Timestamp[] endTs = new Timestamp[days.size()];
      Double[] endValue = new Double[days.size()];
      for (int i = 0; i < days.size(); i++) {
        Day d = days.get(i).day();
        starts[i] = Timestamp.from(days.get(i).start());
        used[i] = d.consumption();
        read[i] = d.hadReading();
        endTs[i] = d.endTsMs() == null ? null : new Timestamp(d.endTsMs());
        endValue[i] = d.endValue();
      }
      ins.setInt(1, station);
      ins.setShort(2, parameter);
      ins.setArray(3, c.createArrayOf("timestamptz", starts));
      ins.setArray(4, c.createArrayOf("float8", used));
      ins.setArray(5, c.createArrayOf("bool", read));
      ins.setArray(6, c.createArrayOf("timestamptz", endTs));
      ins.setArray(7, c.createArrayOf("float8", endValue));
      ins.executeUpdate();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      if (!c.getAutoCommit()) c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /**
   * Drops every kept day of a meter, in one transaction: its replacement or rollover was recorded
   * (committed before this is called, so that a reader who sees the new generation also sees it).
   */
  public static void dropAll(Connection c, int station, short parameter) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (var bump =
            c.prepareStatement(
                BUMP_FROM.formatted("(SELECT ?::int AS station_id, ?::smallint AS parameter_id)"));
        var del =
            c.prepareStatement(
                "DELETE FROM meter_days WHERE station_id = ? AND parameter_id = ?")) {
      bump.setInt(1, station);
      bump.setShort(2, parameter);
      bump.executeUpdate();
      del.setInt(1, station);
      del.setShort(2, parameter);
      del.executeUpdate();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }
}

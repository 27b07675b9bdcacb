package io.outfall.ingest.dashboards;

import io.outfall.ingest.intake.AggregateFollower;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Cleaner-production indicators of one plant, per local day: treated volume (m³, from the outflow
 * rate), energy (kWh) and chemicals (kg) from the cumulative plant meters, and their intensities
 * per m³ treated, against a baseline period. Blocking JDBC: call from worker threads only.
 */
public final class PlantKpis {
  static final short FLOW_OUT = 2;
  static final short ENERGY = 20;
  static final short CHEMICAL_DOSE = 21;

  /** One day's figures; null where the plant sent nothing to compute it from. */
  public record Day(Instant start, Double volumeM3, Double energyKwh, Double chemicalKg) {}

  /** Totals of a period and the intensities they give. */
  public record Totals(
      Instant from, Instant to, double volumeM3, double energyKwh, double chemicalKg) {
    public Double energyPerM3() {
      return volumeM3 > 0 ? energyKwh / volumeM3 : null;
    }

    public Double chemicalPerM3() {
      return volumeM3 > 0 ? chemicalKg / volumeM3 : null;
    }
  }

  public record Result(Totals period, Totals baseline, List<Day> days) {
    /** % change of an intensity against the baseline; negative is a saving. */
    public static Double change(Double now, Double before) {
      return now == null || before == null || before == 0 ? null : (now - before) / before * 100;
    }
  }

  private final DataSource ds;

  public PlantKpis(DataSource ds) {
    this.ds = ds;
  }

  public Result compute(
      int stationId, Instant from, Instant to, Instant baseFrom, Instant baseTo, Instant midnight)
      throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      AggregateFollower.awaitFolded(c); // the volume comes from the hourly aggregates
      Map<Instant, Double> volume = volumePerDay(c, stationId, from, to, midnight);
      Map<Instant, Double> energy = meterPerDay(c, stationId, ENERGY, from, to, midnight);
      Map<Instant, Double> chemical = meterPerDay(c, stationId, CHEMICAL_DOSE, from, to, midnight);
      List<Day> days = new ArrayList<>();
      for (Instant d = from; d.isBefore(to); d = d.plus(Duration.ofDays(1))) {
        days.add(new Day(d, volume.get(d), energy.get(d), chemical.get(d)));
      }
      return new Result(
          totals(volume, energy, chemical, from, to),
          totals(
              volumePerDay(c, stationId, baseFrom, baseTo, midnight),
              meterPerDay(c, stationId, ENERGY, baseFrom, baseTo, midnight),
              meterPerDay(c, stationId, CHEMICAL_DOSE, baseFrom, baseTo, midnight),
              baseFrom,
              baseTo),
          days);
    }
  }

  private static Totals totals(
      Map<Instant, Double> volume,
      Map<Instant, Double> energy,
      Map<Instant, Double> chemical,
      Instant from,
      Instant to) {
    return new Totals(from, to, sum(volume), sum(energy), sum(chemical));
  }

  private static double sum(Map<Instant, Double> m) {
    return m.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /**
   * m³ per day from the hourly aggregates: each hour's mean valid outflow (m³/h) times the time it
   * covers, its 5-minute slots holding a valid reading (12 make an hour). Gaps are not
   * extrapolated, so an hour in progress or half missing counts only what was measured.
   */
  private static Map<Instant, Double> volumePerDay(
      Connection c, int stationId, Instant from, Instant to, Instant midnight) throws SQLException {
    String sql =
        "SELECT date_bin('1 day', hour, ?),"
            + " sum(sum_valid / n_valid * bit_count(valid_slots::bit(12)) / 12.0) FROM readings_hourly"
            + " WHERE station_id = ? AND parameter_id = ? AND hour >= ? AND hour < ?"
            + " AND n_valid > 0 GROUP BY 1";
    return perDay(c, sql, midnight, stationId, FLOW_OUT, from, to);
  }

  /**
   * A cumulative meter that reads up to 1 % less than before jittered (a real reset or replacement
   * falls much further); how the rest is read is {@link MeterConsumption}'s.
   */
  static final double JITTER_FRACTION = 0.01;

  /**
   * Consumption per day (from {@code from}, whole days up to {@code to}) from a cumulative meter's
   * valid readings in the days and the nearest one on either side, so that an increase across
   * midnight is shared between the two days rather than dropped or given to one.
   */
  private static Map<Instant, Double> meterPerDay(
      Connection c, int stationId, short meter, Instant from, Instant to, Instant midnight)
      throws SQLException {
    String where = " FROM readings WHERE station_id = ? AND parameter_id = ? AND status = 0";
    String sql =
        "(SELECT ts, value"
            + where
            + " AND ts < ? ORDER BY ts DESC LIMIT 1) UNION ALL (SELECT ts, value"
            + where
            + " AND ts >= ? AND ts < ? ORDER BY ts) UNION ALL (SELECT ts, value"
            + where
            + " AND ts >= ? ORDER BY ts LIMIT 1) ORDER BY 1";
    List<MeterConsumption.Reading> readings = new ArrayList<>();
    try (var ps = c.prepareStatement(sql)) {
      int i = 1;
      for (Instant[] range :
          new Instant[][] {{from}, {from, to}, {to}}) { // the one before, the days, the one after
        ps.setInt(i++, stationId);
        ps.setShort(i++, meter);
        for (Instant t : range) ps.setTimestamp(i++, Timestamp.from(t));
      }
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          readings.add(new MeterConsumption.Reading(rs.getTimestamp(1).getTime(), rs.getDouble(2)));
      }
    }
    List<Instant> days = new ArrayList<>();
    for (Instant d = dayOf(from, midnight); d.isBefore(to); d = d.plus(Duration.ofDays(1)))
      days.add(d);
    long[] bounds = new long[days.size() + 1];
    for (int i = 0; i < days.size(); i++)
      bounds[i] = (days.get(i).isBefore(from) ? from : days.get(i)).toEpochMilli();
    bounds[days.size()] = to.toEpochMilli();
    List<MeterConsumption.Change> changes =
        readings.isEmpty()
            ? List.of()
            : Meters.changes(
                c,
                stationId,
                meter,
                Instant.ofEpochMilli(readings.get(0).tsMs()),
                Instant.ofEpochMilli(readings.get(readings.size() - 1).tsMs()));
    double[] used =
        MeterConsumption.perPeriod(readings, changes, Meters.rules(c, stationId, meter), bounds);
    boolean[] read = new boolean[days.size()];
    for (MeterConsumption.Reading r : readings) {
      int p = MeterConsumption.period(bounds, r.tsMs());
      if (p >= 0) read[p] = true;
    }
    Map<Instant, Double> out = new TreeMap<>();
    for (int i = 0; i < days.size(); i++) if (used[i] > 0 || read[i]) out.put(days.get(i), used[i]);
    return out;
  }

  /** The start of the day (aligned to {@code midnight}) that holds {@code t}. */
  private static Instant dayOf(Instant t, Instant midnight) {
    long day = Duration.ofDays(1).toMillis();
    long since = t.toEpochMilli() - midnight.toEpochMilli();
    return Instant.ofEpochMilli(midnight.toEpochMilli() + Math.floorDiv(since, day) * day);
  }

  private static Map<Instant, Double> perDay(
      Connection c,
      String sql,
      Instant midnight,
      int stationId,
      short parameter,
      Instant from,
      Instant to)
      throws SQLException {
    Map<Instant, Double> out = new TreeMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(midnight));
      ps.setInt(2, stationId);
      ps.setShort(3, parameter);
      ps.setTimestamp(4, Timestamp.from(from));
      ps.setTimestamp(5, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getTimestamp(1).toInstant(), rs.getDouble(2));
      }
    }
    return out;
  }
}

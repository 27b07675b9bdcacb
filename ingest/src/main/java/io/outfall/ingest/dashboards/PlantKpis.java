package io.outfall.ingest.dashboards;

import io.outfall.ingest.intake.AggregateFollower;
import io.outfall.ingest.intake.MeterDays;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Cleaner-production indicators of one plant, per local day: treated volume (m³, from the outflow
 * rate), energy drawn from the grid and made on site (kWh), chemicals (kg) and production (the
 * plant's product unit) from the cumulative plant meters, and their intensities per m³ treated and
 * per unit of product, against a baseline period. Blocking JDBC: call from worker threads only.
 */
public final class PlantKpis {
  static final short FLOW_OUT = 2;
  static final short ENERGY = 20;
  static final short CHEMICAL_DOSE = 21;
  static final short PRODUCTION = 22;
  static final short ENERGY_RENEWABLE = 23;

  /** One day's figures; null where the plant sent nothing to compute it from. */
  public record Day(
      Instant start,
      Double volumeM3,
      Double energyKwh,
      Double renewableKwh,
      Double chemicalKg,
      Double productionUnits) {
    /** Grid and renewable kWh together, as {@link Totals#energyUsedKwh}; null with neither. */
    public Double energyUsedKwh() {
      return energyKwh == null && renewableKwh == null
          ? null
          : orZero(energyKwh) + orZero(renewableKwh);
    }
  }

  /**
   * Totals of a period and the intensities they give. Energy used is what the grid meter ({@code
   * energy}) and the on-site renewable meter ({@code energy_renewable}) counted together; the grid
   * part alone carries the grid's emission factor.
   */
  public record Totals(
      Instant from,
      Instant to,
      double volumeM3,
      double energyKwh,
      double renewableKwh,
      double chemicalKg,
      double productionUnits) {
    static Totals of(List<Day> days, Instant from, Instant to) {
      double v = 0, e = 0, r = 0, ch = 0, p = 0;
      for (Day d : days) {
        if (d.start().isBefore(from) || !d.start().isBefore(to)) continue;
        v += orZero(d.volumeM3());
        e += orZero(d.energyKwh());
        r += orZero(d.renewableKwh());
        ch += orZero(d.chemicalKg());
        p += orZero(d.productionUnits());
      }
      return new Totals(from, to, v, e, r, ch, p);
    }

    public double energyUsedKwh() {
      return energyKwh + renewableKwh;
    }

    public Double energyPerM3() {
      return volumeM3 > 0 ? energyUsedKwh() / volumeM3 : null;
    }

    public Double chemicalPerM3() {
      return volumeM3 > 0 ? chemicalKg / volumeM3 : null;
    }

    public Double energyPerUnit() {
      return productionUnits > 0 ? energyUsedKwh() / productionUnits : null;
    }

    public Double intensity(TargetJudgement.Kpi kpi) {
      return switch (kpi) {
        case ENERGY_PER_M3 -> energyPerM3();
        case CHEMICAL_PER_M3 -> chemicalPerM3();
        case ENERGY_PER_UNIT -> energyPerUnit();
      };
    }
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
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
      AggregateFollower.awaitFolded(c); // the volume comes from the hourly aggregates
      List<Day> days = days(c, stationId, from, to, midnight);
      return new Result(
          Totals.of(days, from, to),
          Totals.of(days(c, stationId, baseFrom, baseTo, midnight), baseFrom, baseTo),
          days);
    }
  }

  /** A calendar period judged against the target: its figures so far and a verdict per KPI. */
  public record Period(
      String name,
      Instant from,
      Instant to,
      boolean ended,
      Totals totals,
      List<TargetJudgement.Verdict> verdicts) {}

  /** Where a plant stands against its target on a day. */
  public record Progress(
      TargetJudgement.Target target, Totals baseline, LocalDate asOf, List<Period> periods) {}

  /**
   * The month, the quarter and the year that hold {@code asOf} (a local date), each up to the end
   * of that day or {@code now} if earlier, against the target's baseline; empty when no target
   * applies to the station.
   *
   * @param monthOnly judge the month alone (the operator page, the overview's board, a report), not
   *     the quarter and the year
   */
  public Optional<Progress> progress(
      int stationId,
      KpiTargets targets,
      LocalDate asOf,
      ZoneId zone,
      Instant now,
      boolean monthOnly)
      throws SQLException {
    try (Connection c = ds.getConnection()) {
      Optional<TargetJudgement.Target> found = targets.forStation(c, stationId);
      if (found.isEmpty()) return Optional.empty();
      TargetJudgement.Target t = found.get();
      AggregateFollower.awaitFolded(c);
      Instant midnight = LocalDate.of(2000, 1, 1).atStartOfDay(zone).toInstant();
      Instant end = min(asOf.plusDays(1).atStartOfDay(zone).toInstant(), now);
      LocalDate year = asOf.withDayOfYear(1);
      LocalDate quarter = asOf.withMonth((asOf.getMonthValue() - 1) / 3 * 3 + 1).withDayOfMonth(1);
      LocalDate month = asOf.withDayOfMonth(1);
      LocalDate first = monthOnly ? month : year;
      List<Day> days = days(c, stationId, first.atStartOfDay(zone).toInstant(), end, midnight);
      // a past baseline's meter days are kept (MeterDays): counting it again is cheap
      Instant baseFrom = t.baselineFrom().atStartOfDay(zone).toInstant();
      Instant baseTo = t.baselineTo().atStartOfDay(zone).toInstant();
      Totals baseline = Totals.of(days(c, stationId, baseFrom, baseTo, midnight), baseFrom, baseTo);
      List<Period> periods = new ArrayList<>();
      periods.add(period("month", month, month.plusMonths(1), zone, end, days, baseline, t));
      if (!monthOnly) {
        periods.add(
            period("quarter", quarter, quarter.plusMonths(3), zone, end, days, baseline, t));
        periods.add(period("year", year, year.plusYears(1), zone, end, days, baseline, t));
      }
      return Optional.of(new Progress(t, baseline, asOf, periods));
    }
  }

  private static Period period(
      String name,
      LocalDate first,
      LocalDate next,
      ZoneId zone,
      Instant end,
      List<Day> days,
      Totals baseline,
      TargetJudgement.Target t) {
    Instant from = first.atStartOfDay(zone).toInstant();
    Instant natural = next.atStartOfDay(zone).toInstant();
    boolean ended = !natural.isAfter(end);
    Totals totals = Totals.of(days, from, min(natural, end));
    List<TargetJudgement.Verdict> verdicts = new ArrayList<>();
    for (TargetJudgement.Kpi k : TargetJudgement.Kpi.values())
      verdicts.add(
          TargetJudgement.judge(k, totals.intensity(k), baseline.intensity(k), t.pct(k), ended));
    return new Period(name, from, min(natural, end), ended, totals, verdicts);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /**
   * The figures of each day from the day that holds {@code from} up to {@code to}; the first day
   * starts at {@code from} if that is later than its midnight.
   */
  static List<Day> days(Connection c, int stationId, Instant from, Instant to, Instant midnight)
      throws SQLException {
    List<Instant> starts = new ArrayList<>();
    for (Instant d = dayOf(from, midnight); d.isBefore(to); d = d.plus(Duration.ofDays(1)))
      starts.add(d);
    // the periods the meters are counted in: the days, the first from {@code from}, the last to
    // {@code to}
    long[] bounds = new long[starts.size() + 1];
    for (int i = 0; i < starts.size(); i++)
      bounds[i] = (starts.get(i).isBefore(from) ? from : starts.get(i)).toEpochMilli();
    bounds[starts.size()] = to.toEpochMilli();
    Map<Instant, Double> volume = volumePerDay(c, stationId, from, to, midnight);
    Map<Instant, Double> energy = meterPerDay(c, stationId, ENERGY, starts, bounds, midnight);
    Map<Instant, Double> renewable =
        meterPerDay(c, stationId, ENERGY_RENEWABLE, starts, bounds, midnight);
    Map<Instant, Double> chemical =
        meterPerDay(c, stationId, CHEMICAL_DOSE, starts, bounds, midnight);
    Map<Instant, Double> production =
        meterPerDay(c, stationId, PRODUCTION, starts, bounds, midnight);
    List<Day> days = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) {
      Instant d = starts.get(i);
      days.add(
          new Day(
              Instant.ofEpochMilli(bounds[i]),
              volume.get(d),
              energy.get(d),
              renewable.get(d),
              chemical.get(d),
              production.get(d)));
    }
    return days;
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
   * Consumption per day from a cumulative meter's valid readings in the days and the nearest one on
   * either side, so that an increase across midnight is shared between the two days rather than
   * dropped or given to one.
   *
   * @param days the days' midnights
   * @param bounds the periods counted: {@code [bounds[i], bounds[i + 1])} is day {@code i}, cut at
   *     the period's start and end
   */
  private static Map<Instant, Double> meterPerDay(
      Connection c, int stationId, short meter, List<Instant> days, long[] bounds, Instant midnight)
      throws SQLException {
    Instant to = Instant.ofEpochMilli(bounds[days.size()]);
    double[] used = new double[days.size()];
    boolean[] read = new boolean[days.size()];
    // Whole days over for an hour are kept once computed (MeterDays): kept ones are read, each run
    // of the others computed from the readings, and what of those is whole and over then kept.
    long settled = System.currentTimeMillis() - MeterDays.SETTLED.toMillis();
    long generation = MeterDays.generation(c, stationId, meter);
    Map<Long, MeterDays.Day> kept =
        days.isEmpty() ? Map.of() : MeterDays.kept(c, stationId, meter, days.get(0), to);
    MeterConsumption.Rules rules = Meters.rules(c, stationId, meter);
    List<MeterDays.Computed> keep = new ArrayList<>();
    int i = 0;
    while (i < days.size()) {
      MeterDays.Day k = keepable(days, bounds, i, settled) ? kept.get(bounds[i]) : null;
      if (k != null) {
        used[i] = k.consumption();
        read[i] = k.hadReading();
        i++;
        continue;
      }
      int j = i + 1; // days [i, j) are not kept: count them from the readings
      while (j < days.size()
          && !(keepable(days, bounds, j, settled) && kept.containsKey(bounds[j]))) j++;
      long[] run = Arrays.copyOfRange(bounds, i, j + 1);
      List<MeterConsumption.Reading> readings =
          meterReadings(
              c,
              stationId,
              meter,
              Instant.ofEpochMilli(run[0]),
              Instant.ofEpochMilli(run[run.length - 1]),
              midnight);
      MeterDays.Day before = i == 0 ? null : kept.get(bounds[i - 1]);
      if (before != null) {
        // count on from where the reading stood at the kept day's end, not from the last reading
        // before it (a jitter dip the days before passed over would count again)
        if (!readings.isEmpty() && readings.get(0).tsMs() < run[0]) readings.remove(0);
        if (before.endTsMs() != null)
          readings.add(0, new MeterConsumption.Reading(before.endTsMs(), before.endValue()));
      }
      List<MeterConsumption.Change> changes =
          readings.isEmpty()
              ? List.of()
              : Meters.changes(
                  c,
                  stationId,
                  meter,
                  Instant.ofEpochMilli(readings.get(0).tsMs()),
                  Instant.ofEpochMilli(readings.get(readings.size() - 1).tsMs()));
      MeterConsumption.Reading[] ends = new MeterConsumption.Reading[run.length - 1];
      double[] counted = MeterConsumption.perPeriod(readings, changes, rules, run, ends);
      System.arraycopy(counted, 0, used, i, counted.length);
      for (MeterConsumption.Reading r : readings) {
        int p = MeterConsumption.period(run, r.tsMs());
        if (p >= 0) read[i + p] = true;
      }
      for (int d = i; d < j; d++)
        if (keepable(days, bounds, d, settled)) {
          MeterConsumption.Reading end = ends[d - i];
          keep.add(
              new MeterDays.Computed(
                  days.get(d),
                  new MeterDays.Day(
                      used[d],
                      read[d],
                      end == null ? null : end.tsMs(),
                      end == null ? null : end.value())));
        }
      i = j;
    }
    MeterDays.keep(c, stationId, meter, generation, keep);
    Map<Instant, Double> out = new TreeMap<>();
    for (int d = 0; d < days.size(); d++) if (used[d] > 0 || read[d]) out.put(days.get(d), used[d]);
    return out;
  }

  /** Day {@code i} is whole (not cut by the period's ends) and was over by {@code settled}. */
  private static boolean keepable(List<Instant> days, long[] bounds, int i, long settled) {
    return bounds[i] == days.get(i).toEpochMilli()
        && bounds[i + 1] == bounds[i] + Duration.ofDays(1).toMillis()
        && bounds[i + 1] <= settled;
  }

  /**
   * A cumulative meter's valid readings in {@code [from, to)} and the nearest one on either side.
   *
   * <p>Of the readings inside only those that can change a day's figure leave the database: each
   * day's first and last, and both readings around every fall (jitter, reset, wrap or replacement).
   * Between them the meter only rises, and a rise adds up to the same amount whether read in one
   * step or in many; the days' bounds are midnights, so no share across a bound changes either.
   */
  private static List<MeterConsumption.Reading> meterReadings(
      Connection c, int stationId, short meter, Instant from, Instant to, Instant midnight)
      throws SQLException {
    String where = " FROM readings WHERE station_id = ? AND parameter_id = ? AND status = 0";
    String sql =
        "(SELECT ts, value"
            + where
            + " AND ts < ? ORDER BY ts DESC LIMIT 1) UNION ALL (SELECT ts, value FROM ("
            + "SELECT ts, value, lag(value) OVER w AS prev, lead(value) OVER w AS next,"
            + " date_bin('1 day', ts, ?) AS d, date_bin('1 day', lag(ts) OVER w, ?) AS prev_d,"
            + " date_bin('1 day', lead(ts) OVER w, ?) AS next_d"
            + where
            + " AND ts >= ? AND ts < ? WINDOW w AS (ORDER BY ts)) r"
            + " WHERE prev_d IS DISTINCT FROM d OR next_d IS DISTINCT FROM d"
            + " OR value < prev OR next < value) UNION ALL (SELECT ts, value"
            + where
            + " AND ts >= ? ORDER BY ts LIMIT 1) ORDER BY 1";
    List<MeterConsumption.Reading> readings = new ArrayList<>();
    try (var ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setInt(i++, stationId); // the one before
      ps.setShort(i++, meter);
      ps.setTimestamp(i++, Timestamp.from(from));
      for (int k = 0; k < 3; k++) ps.setTimestamp(i++, Timestamp.from(midnight)); // the days
      ps.setInt(i++, stationId);
      ps.setShort(i++, meter);
      ps.setTimestamp(i++, Timestamp.from(from));
      ps.setTimestamp(i++, Timestamp.from(to));
      ps.setInt(i++, stationId); // the one after
      ps.setShort(i++, meter);
      ps.setTimestamp(i++, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          readings.add(new MeterConsumption.Reading(rs.getTimestamp(1).getTime(), rs.getDouble(2)));
      }
    }
    return readings;
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

package io.outfall.app.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.dashboards.Overview;
import io.outfall.ingest.dashboards.PlantKpis;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.ingest.registry.SamplingPlans;
import io.outfall.ingest.storage.Database;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Latency of what the dashboards ask most: a station's 24-hour chart (every parameter, 1-minute
 * buckets) and the regulator's overview, over a history stored through the real writer (so the
 * hourly aggregates are the ones production keeps). Baselines in the same run: a one-row query on
 * the same pool (the floor every query pays) and the overview's completeness computed from the raw
 * readings instead of the hourly aggregates (what the aggregates save).
 */
@Command(
    name = "bench-dashboards",
    mixinStandardHelpOptions = true,
    description =
        "Measure p50/p95 latency of the 24 h chart and the overview over a stored history.")
public final class DashboardQueryBench implements Callable<Integer> {
  private static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
  // flow_out, temperature, pH, TSS, COD, NH4_N, energy, chemical_dose
  private static final short[] PARAMETERS = {2, 3, 4, 5, 6, 8, 20, 21};

  @Option(
      names = "--days",
      defaultValue = "30",
      description = "days of history (default: ${DEFAULT-VALUE})")
  int days;

  @Option(
      names = "--stations",
      defaultValue = "20",
      description = "stations (default: ${DEFAULT-VALUE})")
  int stations;

  @Option(
      names = "--parameters",
      defaultValue = "8",
      description = "parameters per station, at most 8 (default: ${DEFAULT-VALUE})")
  int parameters;

  @Option(
      names = "--iterations",
      defaultValue = "300",
      description = "measured queries of each kind (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(
      names = "--skip-load",
      description = "measure what an earlier run with the same --db-url stored")
  boolean skipLoad;

  @Option(
      names = "--db-url",
      description = "an empty PostgreSQL/TimescaleDB database to use instead of an embedded one")
  String dbUrl;

  @Option(names = "--db-user", defaultValue = "postgres")
  String dbUser;

  @Option(names = "--db-password", defaultValue = "")
  String dbPassword;

  @Override
  public Integer call() throws Exception {
    parameters = Math.min(parameters, PARAMETERS.length);
    ScratchDirectory dir = ScratchDirectory.create("outfall-bench-dashboards");
    // closed in reverse: the pool, then the embedded server (none with --db-url), then its
    // directory
    try (dir;
        EmbeddedDatabase pg = dbUrl == null ? EmbeddedDatabase.start(dir.resolve("pg"), 0) : null;
        Database db =
            Database.open(
                dbUrl != null ? dbUrl : pg.jdbcUrl("bench_dashboards"),
                dbUser,
                dbPassword,
                4,
                Duration.ofSeconds(30));
        Overview overview = new Overview(db.dataSource(), new SamplingPlans())) {
      System.out.printf(
          "outfall bench-dashboards: %d days x %d stations x %d parameters at 1/min, %s%n",
          days, stations, parameters, db.engine().describe());
      Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
      if (skipLoad) stored.set(count(db));
      else load(db, now);
      Instant measuredAt = Instant.now();
      var queries = new ReadingQueries(db.dataSource());
      List<Short> params = new ArrayList<>();
      for (int i = 0; i < parameters; i++) params.add(PARAMETERS[i]);
      int[] ids = new int[stations];
      for (int s = 0; s < stations; s++) ids[s] = queries.stationId(station(s));
      Instant origin = LocalDate.of(2000, 1, 1).atStartOfDay(ZONE).toInstant();
      Random random = new Random(7);

      long[] floor = measure(() -> selectOne(db));
      // a random station's chart over the last range at step, as the operator page asks for it
      BiFunction<Duration, Duration, Work> chartOf =
          (range, step) ->
              () -> {
                Instant to = Instant.now();
                queries.buckets(
                    ids[random.nextInt(stations)], params, to.minus(range), to, step, origin);
              };
      long[] chart = measure(chartOf.apply(Duration.ofHours(24), Duration.ofMinutes(1)));
      long[] chartSql =
          measure(
              () -> chartGroupedInSql(db, ids[random.nextInt(stations)], params, origin),
              Math.max(20, iterations / 5),
              3);
      long[] month = measure(chartOf.apply(Duration.ofDays(30), Duration.ofHours(1)));
      long[] over = measure(() -> overview.at(Instant.now()));
      long[] raw = measure(() -> completenessFromRaw(db, Instant.now()), 5, 1);
      // the KPIs a station page asks for: 30 days against the 30 before, and where the plant
      // stands against a target (month, quarter, year so far; the baseline the history's first
      // 30 days), against reading the year's meter readings whole
      PlantKpis kpis = new PlantKpis(db.dataSource());
      LocalDate firstDay = LocalDate.ofInstant(now.minus(Duration.ofDays(days)), ZONE).plusDays(1);
      KpiTargets target =
          new KpiTargets(
              db.dataSource(),
              Optional.of(
                  new TargetJudgement.Target(
                      "province",
                      null,
                      firstDay,
                      firstDay.plusDays(30),
                      6.0,
                      6.0,
                      null,
                      null,
                      "bench")));
      int kpiRuns = Math.max(10, iterations / 10);
      long[] kpi30 =
          measure(
              () -> {
                Instant to = Instant.now();
                Instant from = to.minus(Duration.ofDays(30));
                kpis.compute(
                    ids[random.nextInt(stations)],
                    from,
                    to,
                    from.minus(Duration.ofDays(30)),
                    from,
                    origin);
              },
              kpiRuns,
              2);
      Function<Boolean, Work> progressOf =
          monthOnly ->
              () ->
                  kpis.progress(
                      ids[random.nextInt(stations)],
                      target,
                      LocalDate.now(ZONE),
                      ZONE,
                      Instant.now(),
                      monthOnly);
      long[] progress = measure(progressOf.apply(false), kpiRuns, 2);
      long[] progressMonth = measure(progressOf.apply(true), kpiRuns, 2);
      long[] meterYear =
          measure(() -> meterReadingsWhole(db, ids[random.nextInt(stations)]), kpiRuns, 2);

      System.out.printf(
          "stored and aggregated %s readings; measured from %s%n",
          String.format("%,d", stored.get()), measuredAt);
      System.out.println(
          "query                                   p50 ms    p95 ms    p99 ms   p95 / floor");
      row("floor: SELECT 1 on the same pool", floor, floor);
      row("24 h chart, 1-minute buckets, all params", chart, floor);
      row("baseline: 24 h chart grouped in SQL", chartSql, floor);
      row("30-day chart, 1-hour buckets", month, floor);
      row("overview (hourly + daily aggregates)", over, floor);
      row("baseline: 30-day completeness from raw", raw, floor);
      row("KPIs, 30 days against 30 before", kpi30, floor);
      row("KPIs against a target: month, quarter, year", progress, floor);
      row("KPIs against a target: the month alone", progressMonth, floor);
      row("baseline: the year's meter readings whole", meterYear, floor);
      System.out.printf(
          "chart p95 / SQL-grouped chart p95 = %.2f; overview p95 / raw-completeness p95 = %.3f;"
              + " goal p95 < 50 ms: chart %s, overview %s%n",
          pct(chart, 95) / pct(chartSql, 95),
          pct(over, 95) / pct(raw, 95),
          pct(chart, 95) < 50 ? "met" : "NOT met",
          pct(over, 95) < 50 ? "met" : "NOT met");
      return pct(chart, 95) < 50 && pct(over, 95) < 50 ? 0 : 1;
    }
  }

  /**
   * What reading a station's two meters for the year to date and a 30-day baseline costs when every
   * reading leaves the database: the work the KPIs' reduction of meter readings avoids.
   */
  private static void meterReadingsWhole(Database db, int station) throws Exception {
    try (var c = db.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "SELECT ts, value FROM readings WHERE station_id = ? AND parameter_id IN (20, 21)"
                    + " AND status = 0 AND ts >= ? ORDER BY parameter_id, ts")) {
      ps.setInt(1, station);
      ps.setTimestamp(
          2,
          Timestamp.from(
              LocalDate.now(ZONE).withDayOfYear(1).minusDays(60).atStartOfDay(ZONE).toInstant()));
      ps.setFetchSize(10_000);
      try (var rs = ps.executeQuery()) {
        double sum = 0;
        while (rs.next()) sum += rs.getDouble(2);
        if (sum < 0) throw new IllegalStateException();
      }
    }
  }

  private final AtomicLong stored = new AtomicLong();

  /** The history, through the writer, a message per station and 125 minutes (1,000 readings). */
  private void load(Database db, Instant now) throws Exception {
    Instant start = now.minus(Duration.ofDays(days));
    long minutes = Duration.between(start, now).toMinutes();
    AtomicLong acked = new AtomicLong();
    long t0 = System.nanoTime();
    long messages = 0;
    Random random = new Random(1);
    try (ReadingWriter writer =
        new ReadingWriter(
            db.dataSource(),
            db.parameters(),
            new StationDirectory(StationDirectory.Unregistered.REGISTER),
            new MicrometerIntakeMetrics(new SimpleMeterRegistry()),
            64,
            20_000,
            5,
            false,
            null)) {
      writer.start();
      for (long m = 0; m < minutes; m += 125) {
        for (int s = 0; s < stations; s++) {
          List<Inbound.Row> rows = new ArrayList<>(1000);
          for (long k = m; k < Math.min(minutes, m + 125); k++) {
            long ts = start.plus(Duration.ofMinutes(k)).toEpochMilli();
            for (int p = 0; p < parameters; p++) {
              short status = (short) (random.nextInt(100) < 2 ? 1 : 0);
              rows.add(
                  new Inbound.Row(
                      station(s), PARAMETERS[p], ts, value(PARAMETERS[p], k, random), status));
            }
          }
          writer.submit(
              new Inbound(
                  new Delivery(
                      "outfall/v1/bench/bench-gw/readings",
                      new byte[0],
                      "application/json",
                      acked::incrementAndGet),
                  "bench-" + (s % 5),
                  "bench-gw-" + s,
                  messages,
                  rows,
                  List.of(),
                  0,
                  System.nanoTime()));
          stored.addAndGet(rows.size());
          messages++;
        }
        if (m % (125 * 48) == 0) System.out.printf("  loading: %d of %d days%n", m / 1440, days);
      }
      while (acked.get() < messages) Thread.sleep(50);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "loaded %,d readings in %.0f s (%,.0f/s)%n", stored.get(), seconds, stored.get() / seconds);
    try (var c = db.dataSource().getConnection();
        var st = c.createStatement()) {
      // a breach history for a quarter of the stations: a few hours every few days
      for (int s = 0; s < stations; s += 4)
        for (int d = 1; d < days; d += 3)
          st.execute(
              "INSERT INTO alerts (station, parameter, kind, family, state, started_at, resolved_at, factor, band)"
                  + " VALUES ('"
                  + station(s)
                  + "', 'COD', 'breach', 'compliance', 'resolved', now() - interval '"
                  + d
                  + " days', now() - interval '"
                  + d
                  + " days' + interval '3 hours', 1.3, '2')");
      st.execute("ANALYZE");
    }
  }

  private static double value(short parameter, long minute, Random random) {
    return switch (parameter) {
      case 20 -> minute * 2.5; // kWh meter
      case 21 -> minute * 0.3; // kg meter
      case 4 -> 7 + random.nextDouble();
      default -> 20 + 40 * random.nextDouble();
    };
  }

  private static String station(int s) {
    return "BENCH-" + (s + 1) + "-OUT";
  }

  private interface Work {
    void run() throws Exception;
  }

  private long[] measure(Work w) throws Exception {
    return measure(w, iterations);
  }

  private static long[] measure(Work w, int n) throws Exception {
    return measure(w, n, Math.max(3, n / 10));
  }

  /** Nanoseconds of each of n runs, sorted, after some warm-up runs. */
  private static long[] measure(Work w, int n, int warmUp) throws Exception {
    for (int i = 0; i < warmUp; i++) w.run();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      w.run();
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
  }

  private static double pct(long[] sorted, int p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p / 100.0) - 1)]
        / 1e6;
  }

  private static void row(String name, long[] t, long[] floor) {
    System.out.printf(
        "%-40s %7.2f   %7.2f   %7.2f   %9.1f%n",
        name, pct(t, 50), pct(t, 95), pct(t, 99), pct(t, 95) / pct(floor, 95));
  }

  private static long count(Database db) throws Exception {
    try (var c = db.dataSource().getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM readings")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void selectOne(Database db) throws Exception {
    try (var c = db.dataSource().getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT 1")) {
      rs.next();
    }
  }

  /** The 24-hour chart as a GROUP BY in PostgreSQL: what ReadingQueries did before. */
  private static void chartGroupedInSql(
      Database db, int station, List<Short> params, Instant origin) throws Exception {
    Instant to = Instant.now();
    try (var c = db.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "SELECT parameter_id, date_bin('60 seconds', ts, ?) AS bucket,"
                    + " avg(value) FILTER (WHERE status = 0), min(value) FILTER (WHERE status = 0),"
                    + " max(value) FILTER (WHERE status = 0), count(*), count(*) FILTER (WHERE status = 0),"
                    + " count(*) FILTER (WHERE status = 1), count(*) FILTER (WHERE status = 2)"
                    + " FROM readings WHERE station_id = ? AND parameter_id = ANY (?) AND ts >= ? AND ts < ?"
                    + " GROUP BY 1, 2 ORDER BY 1, 2")) {
      ps.setTimestamp(1, Timestamp.from(origin));
      ps.setInt(2, station);
      ps.setArray(3, c.createArrayOf("int2", params.toArray()));
      ps.setTimestamp(4, Timestamp.from(to.minus(Duration.ofHours(24))));
      ps.setTimestamp(5, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) rs.getObject(3);
      }
    }
  }

  /** The overview's 30-day completeness straight from the readings: what the aggregates replace. */
  private static void completenessFromRaw(Database db, Instant now) throws Exception {
    try (var c = db.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "SELECT station_id, count(DISTINCT (parameter_id, date_bin('5 minutes', ts, timestamptz '2000-01-01')))"
                    + " FROM readings r JOIN parameters p ON p.id = r.parameter_id"
                    + " WHERE p.kind <> 'meter' AND status = 0 AND ts >= ? AND ts < ? GROUP BY station_id")) {
      ps.setTimestamp(1, Timestamp.from(now.minus(Duration.ofDays(30))));
      ps.setTimestamp(2, Timestamp.from(now));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) rs.getLong(2);
      }
    }
  }
}

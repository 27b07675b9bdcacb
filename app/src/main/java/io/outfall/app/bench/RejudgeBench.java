package io.outfall.app.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.Standard;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.storage.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Judging a long backlog again: one station with days of readings stored (a gateway back from a
 * long outage), all of them late, judged again by the compliance engine. Reports how long it took
 * in all and the longest single transaction, which the engine keeps short by replaying in slices.
 *
 * <p>The readings are {@code COPY}ed in before the ingest starts and named in {@code
 * evaluation_late}, as a leader that stopped in the middle of a backlog leaves them; the next
 * leader re-judges them at once. Every parameter sits at half its limit except a three-hour COD
 * breach in the middle, which the re-judgement must find.
 */
@Command(
    name = "bench-rejudge",
    mixinStandardHelpOptions = true,
    description = "Measure judging a long backlog of one station again (longest transaction).")
public final class RejudgeBench implements Callable<Integer> {
  private static final String STANDARD = "QCVN 40:2011/BTNMT";

  @Option(
      names = "--days",
      defaultValue = "60",
      description = "days of backlog (default: ${DEFAULT-VALUE})")
  int days;

  @Option(
      names = "--parameters",
      defaultValue = "12",
      description = "parameters of the station (default: ${DEFAULT-VALUE})")
  int parameters;

  @Option(
      names = "--interval-seconds",
      defaultValue = "10",
      description = "one reading of each parameter this often (default: ${DEFAULT-VALUE})")
  int intervalSeconds;

  @Option(
      names = "--stations",
      defaultValue = "1",
      description =
          "stations, each with this backlog, all late at once (default: ${DEFAULT-VALUE})")
  int stations;

  @Option(
      names = "--slice-readings",
      description = "readings per re-judge transaction (default: the setting's)")
  Integer sliceReadings;

  @Mixin BenchBroker broker;
  @Mixin BenchDatabase database;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-bench-rejudge");
    try (dir;
        BenchDatabase.Running db = database.start(dir.path());
        BenchBroker.Running running = broker.start(dir.path())) {
      String jdbc = db.newDatabase("bench_rejudge");
      Standard standard = StandardsCatalog.shipped().get(STANDARD);
      List<String> codes = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (var e : standard.parameters().entrySet()) {
        if (codes.size() == parameters) break;
        Limit l = e.getValue().limit("B", null);
        if (l instanceof Limit.Maximum m) values.add(m.max() / 2);
        else if (l instanceof Limit.Range r) values.add((r.min() + r.max()) / 2);
        else continue;
        codes.add(e.getKey());
      }
      if (!codes.contains("COD")) codes.set(0, "COD");
      Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
      Instant start = end.minus(Duration.ofDays(days));
      Instant breachFrom = start.plus(Duration.ofDays(days / 2)).truncatedTo(ChronoUnit.HOURS);
      Instant breachTo = breachFrom.plus(Duration.ofHours(3));
      long stored = store(db, jdbc, codes, values, start, end, breachFrom, breachTo);
      System.out.printf(
          "outfall bench-rejudge: %d station(s), %d days x %d parameters every %d s, %s column B,"
              + " %s%n",
          stations, days, codes.size(), intervalSeconds, STANDARD, db.label(jdbc));
      Path permits = Files.createDirectories(dir.resolve("permits"));
      for (int i = 0; i < stations; i++)
        Files.writeString(
            permits.resolve(station(i) + ".yaml"),
            "station: "
                + station(i)
                + "\nstandard: "
                + STANDARD
                + "\ncolumn: B\nkq: 1\nkf: 1\nparameters: ["
                + String.join(", ", codes)
                + "]\n");
      var settings =
          BenchCommand.benchIngest(db, jdbc, running.url(), "bench-rejudge-ingest")
              .with(Setting.ALERTS_PERMITS_DIR, permits.toString());
      if (sliceReadings != null)
        settings = settings.with(Setting.ALERTS_REJUDGE_SLICE_READINGS, sliceReadings);
      long began = System.nanoTime();
      try (IngestServer server = IngestServer.start(settings)) {
        Timer whole = server.metrics().timer("outfall.compliance.rejudge");
        Timer slice = server.metrics().timer("outfall.compliance.rejudge.transaction");
        DistributionSummary replayed =
            server.metrics().summary("outfall.compliance.rejudge.readings");
        while (whole.count() < stations) {
          if (System.nanoTime() - began > TimeUnit.MINUTES.toNanos(30))
            throw new IllegalStateException("not judged again within 30 minutes");
          Thread.sleep(200);
        }
        double wall = (System.nanoTime() - began) / 1e9;
        double total = whole.totalTime(TimeUnit.MILLISECONDS);
        double longest = slice.max(TimeUnit.MILLISECONDS);
        System.out.printf(
            "  stored (COPY, before the ingest starts):  %,d readings%n"
                + "  judged again:                            %,.0f readings in %,.1f s"
                + " (%,.0f readings/s); %d station(s) in %.1f s from the ingest's start%n"
                + "  transactions:                            %d, longest %,.0f ms, mean %,.0f ms"
                + "   (goal: none longer than 10 s)%n"
                + "  breach found in the backlog:             %s (put in: %s to %s)%n",
            stored,
            replayed.totalAmount(),
            total / 1000,
            replayed.totalAmount() / (total / 1000),
            stations,
            wall,
            slice.count(),
            longest,
            slice.mean(TimeUnit.MILLISECONDS),
            breaches(server, breachFrom, breachTo),
            breachFrom,
            breachTo);
      }
    }
    return 0;
  }

  /** COPYs the backlog into a migrated database and names it late; answers the rows stored. */
  private long store(
      BenchDatabase.Running server,
      String jdbc,
      List<String> codes,
      List<Double> values,
      Instant start,
      Instant end,
      Instant breachFrom,
      Instant breachTo)
      throws Exception {
    ParameterCatalog catalog = ParameterCatalog.shipped();
    try (Database db =
            Database.open(jdbc, server.user(), server.password(), 2, Duration.ofSeconds(30));
        Connection c = db.dataSource().getConnection()) {
      int[] ids = new int[stations];
      try (var st = c.createStatement()) {
        st.execute("INSERT INTO sites (code) VALUES ('bench-rejudge')");
        for (int i = 0; i < stations; i++)
          try (var rs =
              st.executeQuery(
                  "INSERT INTO stations (code, site_id, gateway) SELECT '"
                      + station(i)
                      + "', id, 'gw' FROM sites WHERE code = 'bench-rejudge' RETURNING id")) {
            rs.next();
            ids[i] = rs.getInt(1);
          }
      }
      long began = System.nanoTime();
      CopyIn copy =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY readings (station_id, parameter_id, ts, value, status) FROM STDIN"
                      + " (FORMAT csv)");
      StringBuilder sb = new StringBuilder(1 << 21);
      long step = intervalSeconds * 1000L;
      for (int stationId : ids)
        for (long t = start.toEpochMilli(); t < end.toEpochMilli(); t += step) {
          boolean breach = t >= breachFrom.toEpochMilli() && t < breachTo.toEpochMilli();
          String ts = Instant.ofEpochMilli(t).toString();
          for (int p = 0; p < codes.size(); p++) {
            double v = values.get(p) * (breach && codes.get(p).equals("COD") ? 4 : 1);
            sb.append(stationId)
                .append(',')
                .append(catalog.byCode(codes.get(p)).id())
                .append(',')
                .append(ts)
                .append(',')
                .append(v)
                .append(",0\n");
          }
          if (sb.length() > 1 << 20) {
            byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
            copy.writeToCopy(b, 0, b.length);
            sb.setLength(0);
          }
        }
      byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
      copy.writeToCopy(b, 0, b.length);
      long rows = copy.endCopy();
      try (var ps =
          c.prepareStatement("INSERT INTO evaluation_late (station, from_ts) VALUES (?, ?)")) {
        for (int i = 0; i < stations; i++) {
          ps.setString(1, station(i));
          ps.setTimestamp(2, Timestamp.from(start));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      System.out.printf("  backlog COPYed in %.1f s%n", (System.nanoTime() - began) / 1e9);
      return rows;
    }
  }

  private static String station(int i) {
    return String.format("RJ-%02d", i + 1);
  }

  /** How many stations have the breach that was put in, with its own start and end. */
  private String breaches(IngestServer server, Instant from, Instant to) throws Exception {
    try (Connection c = server.database().dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "SELECT count(DISTINCT station), count(*) FROM alerts WHERE kind = 'breach'"
                    + " AND parameter = 'COD' AND started_at = ? AND resolved_at = ?")) {
      ps.setTimestamp(1, Timestamp.from(from));
      ps.setTimestamp(2, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        rs.next();
        return "COD in "
            + rs.getInt(1)
            + " of "
            + stations
            + " stations ("
            + rs.getInt(2)
            + " alerts)";
      }
    }
  }
}

package io.outfall.app.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.intake.ReadingsNotice;
import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.JsonFields;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.protocol.transport.MqttConnect;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Publish→alert latency under a steady load. Gateways publish live readings of many stations, all
 * with permits, at a fixed rate; a share of the stations alternates between breaching and compliant
 * windows. A window is judged when the first reading after its end arrives, so the latency of an
 * alert is the time from publishing that reading to the alert's commit, seen by a listener on
 * {@code outfall_alerts} (the notification PostgreSQL delivers at commit).
 *
 * <p>Baseline, measured in the same run on the same messages: the broker's own transit, publish to
 * a plain subscriber. The ratio of the two is the figure to compare between machines.
 */
@Command(
    name = "bench-alerts",
    mixinStandardHelpOptions = true,
    description = "Measure publish-to-alert latency at a steady reading rate.")
public final class AlertLatencyBench implements Callable<Integer> {
  private static final long WINDOW_MS = 10_000;
  private static final String[] PARAMETERS = {"COD", "TSS", "NH4_N", "pH"};
  private static final String[] UNITS = {"mg/L", "mg/L", "mg/L", "pH"};

  @Option(
      names = "--rate",
      defaultValue = "10000",
      description = "readings per second, steady (default: ${DEFAULT-VALUE})")
  int rate;

  @Option(
      names = "--seconds",
      defaultValue = "120",
      description = "measured duration after the warm-up (default: ${DEFAULT-VALUE})")
  int seconds;

  @Option(
      names = "--gateways",
      defaultValue = "10",
      description = "gateways, 50 stations each (default: ${DEFAULT-VALUE})")
  int gateways;

  @Option(
      names = "--warm-up",
      defaultValue = "20",
      description =
          "seconds before measuring, at least; the warm-up also lasts until breaches have opened"
              + " and resolved --warm-up-boundaries times (default: ${DEFAULT-VALUE})")
  int warmUpSeconds;

  @Option(
      names = "--warm-up-boundaries",
      defaultValue = "3",
      description =
          "breaches opened and resolved this many times before measuring: what runs only at a"
              + " window boundary is still being compiled for the first few (default:"
              + " ${DEFAULT-VALUE})")
  int warmUpBoundaries;

  @Mixin BenchBroker broker;
  @Mixin BenchDatabase database;

  /** What a run measured: the sustained rate and the latencies in ms. */
  record Result(
      double storedPerSecond,
      double transitP99Ms,
      double alertP50Ms,
      double alertP99Ms,
      int alerts,
      double resolvedP50Ms,
      double resolvedP99Ms,
      double writerP50Ms,
      double writerP99Ms,
      double engineP50Ms,
      double engineP99Ms,
      double inWriteP50Ms,
      double inWriteP99Ms,
      double warmUpOpenedMaxMs) {}

  /**
   * The alerts of one window boundary: all of them openings or all resolutions (the breaching
   * stations switch together). Shown one by one: a p99 over a few boundaries is the slowest of
   * them, and the first few of each kind, kept in the warm-up, run cold.
   */
  private static final class Boundary {
    final boolean opening;
    final boolean warmingUp;
    long slowestNanos;

    Boundary(boolean opening, boolean warmingUp) {
      this.opening = opening;
      this.warmingUp = warmingUp;
    }

    void seen(long nanos) {
      slowestNanos = Math.max(slowestNanos, nanos);
    }

    @Override
    public String toString() {
      String ms = String.format("%.1f", slowestNanos / 1e6);
      return (opening ? "opened " : "resolved ") + (warmingUp ? "[" + ms + "]" : ms);
    }
  }

  private static final int STATIONS_PER_GATEWAY = 50;
  private static final int BREACHING_PER_GATEWAY = 5;

  /** Wall-clock nanos when each gateway published the batch of a timestamp, by timestamp. */
  private final Map<Long, long[]> published = new ConcurrentHashMap<>();

  private final Map<Long, long[]> transited = new ConcurrentHashMap<>();

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-bench-alerts");
    try (dir;
        BenchDatabase.Running db = database.start(dir.path());
        BenchBroker.Running running = broker.start(dir.path())) {
      run(running, db, dir.path());
    }
    return 0;
  }

  /** One run on the given broker and database server; prints as it goes. */
  Result run(BenchBroker.Running running, BenchDatabase.Running db, Path dir) throws Exception {
    published.clear();
    transited.clear();
    // One batch per gateway per tick, every reading of every station at the tick's timestamp.
    int perTick = STATIONS_PER_GATEWAY * PARAMETERS.length * gateways;
    long tickMs = Math.max(20, Math.round(1000.0 * perTick / rate));
    // made once: the load generator shares the cores with what it measures, and formatting
    // 10,000 codes a second was a quarter of its publishing thread (JFR)
    String[][] stations = new String[gateways][STATIONS_PER_GATEWAY];
    Path permits = Files.createDirectories(dir.resolve("alert-permits"));
    for (int g = 0; g < gateways; g++)
      for (int s = 0; s < STATIONS_PER_GATEWAY; s++) {
        stations[g][s] = station(g, s);
        Files.writeString(
            permits.resolve(stations[g][s] + ".yaml"),
            "station: "
                + stations[g][s]
                + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\n"
                + "parameters: [COD, TSS, NH4_N, pH]\naveraging: PT10S\n");
      }
    String url = running.url();
    String jdbc = db.newDatabase("bench_alerts");
    Settings settings =
        BenchCommand.benchIngest(db, jdbc, url, "bench-alerts-ingest")
            .with(Setting.ALERTS_PERMITS_DIR, permits.toString());
    try (IngestServer server = IngestServer.start(settings);
        Connection listen = DriverManager.getConnection(jdbc, db.user(), db.password())) {
      System.out.printf(
          "outfall bench-alerts: %,d readings/s (%d gateways x %d stations x %d parameters every"
              + " %d ms), %d stations alternating breach/compliant %d s windows, broker %s,"
              + " %s%n",
          perTick * 1000 / tickMs,
          gateways,
          STATIONS_PER_GATEWAY,
          PARAMETERS.length,
          tickMs,
          gateways * BREACHING_PER_GATEWAY,
          WINDOW_MS / 1000,
          running.label(),
          db.label(jdbc));
      try (var st = listen.createStatement()) {
        st.execute("LISTEN outfall_alerts");
        st.execute("LISTEN outfall_readings"); // the writer's commit, as a listener sees it
      }
      MqttClient baseline = transitSubscriber(url);
      List<MqttAsyncClient> clients = new ArrayList<>();
      for (int g = 0; g < gateways; g++) clients.add(connect(url, "bench-alerts-gw" + g));
      ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
      ReadingsCodec codec = new ReadingsCodec();
      SplittableRandom random = new SplittableRandom(7);
      // Timestamps advance by exactly one tick per run, whatever the scheduler's jitter.
      long first = (System.currentTimeMillis() / tickMs + 1) * tickMs;
      AtomicLong next = new AtomicLong(first);
      ticker.scheduleAtFixedRate(
          () -> publishTick(clients, stations, codec, random, next.getAndAdd(tickMs)),
          first - System.currentTimeMillis(),
          tickMs,
          TimeUnit.MILLISECONDS);

      // The warm-up lasts its seconds and until breaches have opened and resolved at a few
      // boundaries: the code that runs only there (closing windows, writing alert changes) is
      // still being compiled, deoptimized and compiled again for the first few, one boundary
      // every 10 s (JFR, 2026-12-05: deoptimizations and record methods linked on the writer's
      // thread at the boundaries of the first minute; those boundaries took 43-55 ms, the ones
      // after 22-33). That says nothing of the steady rate; the warm-up's are shown in brackets.
      long warmUpAtLeast = System.currentTimeMillis() + warmUpSeconds * 1000L;
      long warmUpGrace = (2L * warmUpBoundaries + 2) * WINDOW_MS;
      long warmUpAtMost = warmUpAtLeast + warmUpGrace;
      long warmUpEnd = Long.MAX_VALUE;
      long end = Long.MAX_VALUE;
      ReadingQueries q = new ReadingQueries(server.database().dataSource());
      long storedAtStart = -1;
      List<Long> opened = new ArrayList<>();
      List<Long> resolved = new ArrayList<>();
      List<Long> stored = new ArrayList<>();
      List<Long> judged = new ArrayList<>();
      // when the boundary reading of each breaching station was seen committed, by station
      Map<String, long[]> committed = new HashMap<>();
      Map<Long, Boundary> boundaries = new TreeMap<>();
      int unmatched = 0;
      PGConnection pgc = listen.unwrap(PGConnection.class);
      Timer writer = server.metrics().timer("outfall.ingest.arrival.to.commit");
      Timer engine = server.metrics().timer("outfall.compliance.drain");
      Timer inWrite = server.metrics().timer("outfall.compliance.judged.in.write");
      Timer transaction = server.metrics().timer("outfall.ingest.write.latency");
      HistogramSnapshot writerAtStart = null;
      HistogramSnapshot transactionAtStart = null;
      double batchesAtStart = 0;
      HistogramSnapshot engineAtStart = null;
      HistogramSnapshot inWriteAtStart = null;
      while (System.currentTimeMillis() < end) {
        if (warmUpEnd == Long.MAX_VALUE && System.currentTimeMillis() >= warmUpAtLeast) {
          long openings = boundaries.values().stream().filter(b -> b.opening).count();
          long resolutions = boundaries.size() - openings;
          if (System.currentTimeMillis() > warmUpAtMost)
            throw new IllegalStateException(
                "breaches opened "
                    + openings
                    + " and resolved "
                    + resolutions
                    + " times in the first "
                    + (warmUpSeconds + warmUpGrace / 1000)
                    + " s, not "
                    + warmUpBoundaries
                    + ": is the compliance engine judging?");
          if (openings >= warmUpBoundaries && resolutions >= warmUpBoundaries) {
            warmUpEnd = System.currentTimeMillis();
            end = warmUpEnd + seconds * 1000L;
          }
        }
        if (storedAtStart < 0 && warmUpEnd != Long.MAX_VALUE) {
          storedAtStart = q.count();
          writerAtStart = writer.takeSnapshot();
          engineAtStart = engine.takeSnapshot();
          inWriteAtStart = inWrite.takeSnapshot();
          transactionAtStart = transaction.takeSnapshot();
          batchesAtStart = transaction.count();
        }
        PGNotification[] notes = pgc.getNotifications(500);
        long now = System.nanoTime();
        if (notes == null) continue;
        boolean warmingUp = warmUpEnd == Long.MAX_VALUE;
        for (PGNotification n : notes) {
          if (n.getName().equals("outfall_readings")) {
            if (warmingUp) continue;
            // read as ingest's listeners read it: the bench shares the cores it measures
            ReadingsNotice r = ReadingsNotice.parse(n.getParameter());
            long ts = r.newest().get(0).timestampMs();
            long[] pub = published.get(ts);
            int g = gatewayOf(r.station());
            if (ts % WINDOW_MS == 0 && pub != null && pub[g] != 0) {
              committed.put(r.station(), new long[] {ts, now});
              stored.add(now - pub[g]);
            }
            continue;
          }
          JsonObject a = new JsonObject(n.getParameter());
          if (!"breach".equals(a.getString("kind"))) continue;
          // Opened at the end of the first breaching window; resolved when the compliant window
          // that follows closes: either way by the first reading at the next window boundary.
          long boundary = a.getLong("at") + WINDOW_MS;
          long[] pub = published.get(boundary);
          int g = gatewayOf(a.getString("station"));
          if (pub == null || pub[g] == 0) {
            unmatched++;
            continue;
          }
          boolean opening = "opened".equals(a.getString("event"));
          // a boundary that began in the warm-up stays in it
          Boundary b = boundaries.computeIfAbsent(boundary, k -> new Boundary(opening, warmingUp));
          b.seen(now - pub[g]);
          if (b.warmingUp) continue;
          (opening ? opened : resolved).add(now - pub[g]);
          long[] c = committed.get(a.getString("station"));
          if (c != null && c[0] == boundary) judged.add(now - c[1]);
        }
      }
      long storedInRun = q.count() - storedAtStart;
      double[] writerMs = between(writerAtStart, writer.takeSnapshot());
      double[] engineMs = between(engineAtStart, engine.takeSnapshot());
      double[] inWriteMs = between(inWriteAtStart, inWrite.takeSnapshot());
      double[] transactionMs = between(transactionAtStart, transaction.takeSnapshot());
      double transactionsPerTick =
          (transaction.count() - batchesAtStart) / (seconds * 1000.0 / tickMs);
      ticker.shutdownNow();
      for (MqttAsyncClient c : clients) c.disconnectForcibly(1000);
      baseline.disconnectForcibly(1000);

      List<Long> transit = new ArrayList<>();
      for (var e : transited.entrySet()) {
        if (e.getKey() < warmUpEnd || e.getKey() >= end - 1000) continue;
        long[] pub = published.get(e.getKey());
        for (int g = 0; g < gateways; g++)
          if (pub != null && pub[g] != 0 && e.getValue()[g] != 0)
            transit.add(e.getValue()[g] - pub[g]);
      }
      System.out.printf(
          "  sustained: %,d readings stored in %d s = %,.0f readings/s%n",
          storedInRun, seconds, storedInRun / (double) seconds);
      double[] base = report("mqtt transit (baseline, publish -> subscriber)", transit);
      double[] open = report("publish -> breach alert committed", opened);
      double[] closed = report("publish -> breach resolved committed", resolved);
      report("  of which publish -> readings committed", stored);
      report("  and readings committed -> alert committed", judged);
      System.out.printf(
          "  each boundary's slowest alert, ms (in the warm-up: in brackets): %s%n",
          boundaries.values().stream().map(Boundary::toString).collect(Collectors.joining(", ")));
      if (unmatched > 0)
        System.out.printf("  %d alert changes not matched to a publish%n", unmatched);
      System.out.printf(
          "  breach alert p99 / mqtt transit p99 = %.1f   (goal: alert p99 < 50 ms)%n",
          open[1] / base[1]);
      System.out.printf(
          "  where it goes (histogram buckets, measured period): writer arrival -> commit %s;"
              + " engine batches taken -> judged -> committed %s; judged in the writer's"
              + " transaction (judging taken -> committed) %s; the writer's transaction %s, %.1f"
              + " per tick of %d messages%n",
          upTo(writerMs),
          upTo(engineMs),
          upTo(inWriteMs),
          upTo(transactionMs),
          transactionsPerTick,
          gateways);
      return new Result(
          storedInRun / (double) seconds,
          base[1],
          open[0],
          open[1],
          opened.size(),
          closed[0],
          closed[1],
          writerMs[0],
          writerMs[1],
          engineMs[0],
          engineMs[1],
          inWriteMs[0],
          inWriteMs[1],
          boundaries.values().stream()
                  .filter(b -> b.warmingUp && b.opening)
                  .mapToLong(b -> b.slowestNanos)
                  .max()
                  .orElse(0)
              / 1e6);
    }
  }

  private void publishTick(
      List<MqttAsyncClient> clients,
      String[][] stations,
      ReadingsCodec codec,
      SplittableRandom random,
      long t) {
    boolean breachWindow = Math.floorDiv(t, WINDOW_MS) % 2 == 0;
    long[] pub = published.computeIfAbsent(t, k -> new long[clients.size()]);
    for (int g = 0; g < clients.size(); g++) {
      List<Reading> readings = new ArrayList<>(STATIONS_PER_GATEWAY * PARAMETERS.length);
      for (int s = 0; s < STATIONS_PER_GATEWAY; s++) {
        boolean breaching = s < BREACHING_PER_GATEWAY && breachWindow;
        double[] values = {
          breaching ? 300 + random.nextDouble(-10, 10) : 60 + random.nextDouble(-10, 10),
          40 + random.nextDouble(-5, 5),
          5 + random.nextDouble(-1, 1),
          7.2 + random.nextDouble(-0.2, 0.2)
        };
        String station = stations[g][s];
        for (int p = 0; p < PARAMETERS.length; p++)
          readings.add(
              new Reading(station, PARAMETERS[p], t, values[p], UNITS[p], DeviceStatus.MEASURING));
      }
      MqttMessage m =
          new MqttMessage(
              codec.encode(new ReadingsBatch("gw" + g, t, System.currentTimeMillis(), readings)));
      m.setQos(1);
      try {
        pub[g] = System.nanoTime();
        clients.get(g).publish(Topics.readings("bench-alerts", "gw" + g), m);
      } catch (Exception e) {
        System.err.println("publish failed: " + e);
      }
    }
  }

  /** A plain subscriber that notes when each batch arrives: the broker's share of the latency. */
  private MqttClient transitSubscriber(String url) throws Exception {
    MqttClient sub = new MqttClient(url, "bench-alerts-transit", new MemoryPersistence());
    MqttConnectionOptions o = MqttConnect.options(url, null, null);
    sub.setCallback(
        new MessageCallback() {
          @Override
          public void messageArrived(String topic, MqttMessage message) throws Exception {
            long now = System.nanoTime();
            int g = Integer.parseInt(topic.split("/")[3].substring(2)); // outfall/v1/site/gwN/..
            long t = seqOf(message.getPayload()); // the tick's timestamp
            transited.computeIfAbsent(t, k -> new long[gateways])[g] = now;
          }
        });
    sub.connect(o);
    sub.subscribe(Topics.ROOT + "/bench-alerts/+/readings", 1);
    return sub;
  }

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * A batch's {@code seq}, read without the readings after it: decoding all of them, as ingest
   * does, made the baseline subscriber cost the shared cores as much as ingest's intake (JFR).
   */
  private static long seqOf(byte[] payload) throws IOException {
    try (JsonParser p = JSON.createParser(payload)) {
      if (JsonFields.seek(p, "seq") == JsonToken.VALUE_NUMBER_INT) return p.getLongValue();
    }
    throw new IOException("no seq in the batch");
  }

  private static MqttAsyncClient connect(String url, String id) throws Exception {
    MqttAsyncClient c = new MqttAsyncClient(url, id, new MemoryPersistence());
    c.connect(MqttConnect.options(url, null, null)).waitForCompletion(10_000);
    return c;
  }

  private static String station(int gateway, int s) {
    return String.format("BA%02d-%02d", gateway, s);
  }

  private static int gatewayOf(String station) {
    return Integer.parseInt(station.substring(2, 4));
  }

  /**
   * p50 and p99 in ms of what a timer recorded between two snapshots, as the upper bound of the
   * histogram bucket they fall in; NaN when nothing was recorded.
   */
  private static double[] between(HistogramSnapshot before, HistogramSnapshot after) {
    if (before == null) return new double[] {Double.NaN, Double.NaN};
    CountAtBucket[] b = before.histogramCounts();
    CountAtBucket[] a = after.histogramCounts();
    long total = after.count() - before.count();
    double[] out = {Double.NaN, Double.NaN};
    double[] qs = {0.50, 0.99};
    for (int k = 0; k < qs.length; k++)
      for (int i = 0; i < a.length && total > 0; i++)
        if (a[i].count() - b[i].count() >= qs[k] * total) {
          out[k] = a[i].bucket(TimeUnit.MILLISECONDS);
          break;
        }
    return out;
  }

  /** Prints count and percentiles in ms; returns {p50, p99} in ms. */
  private static double[] report(String what, List<Long> nanos) {
    if (nanos.isEmpty()) {
      System.out.printf("  %-48s no samples%n", what);
      return new double[] {Double.NaN, Double.NaN};
    }
    long[] v = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(v);
    double p50 = pct(v, 0.50), p95 = pct(v, 0.95), p99 = pct(v, 0.99);
    System.out.printf(
        "  %-48s n=%5d  p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n",
        what, v.length, p50, p95, p99, v[v.length - 1] / 1e6);
    return new double[] {p50, p99};
  }

  /** The {@code q} quantile in ms of ascending nanos (nearest rank). */
  static double pct(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  /** "p50 <= a ms, p99 <= b ms" from histogram bounds, or "none" where nothing was timed. */
  private static String upTo(double[] p50p99) {
    return Double.isNaN(p50p99[0])
        ? "none"
        : "p50 <= %.1f ms, p99 <= %.1f ms".formatted(p50p99[0], p50p99[1]);
  }
}

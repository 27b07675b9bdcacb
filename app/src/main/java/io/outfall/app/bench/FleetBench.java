package io.outfall.app.bench;

import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A province: many plants, each its own gateway and MQTT connection, against {@code outfall serve}
 * run as its own process (so that its heap and RSS are its own). In three phases:
 *
 * <ol>
 *   <li><b>one gateway's backlog</b> drained alone: the baseline rate;
 *   <li><b>every gateway's backlog at once</b>, as after a province-wide broker outage: the rate,
 *       and its ratio to the baseline;
 *   <li>the wait until the compliance engine and the aggregates have followed the backlog;
 *   <li><b>live</b>: every gateway sends its readings every {@code --live-interval-seconds},
 *       staggered, while the regulator's overview, the station list and a station's chart (raw, and
 *       in 1-minute buckets as the operator page asks for it) are asked for, from a process of
 *       their own ({@link PageProbe}), and {@code --sse-clients} pages follow the live feed
 *       (publish → page). Its first {@code --settle-seconds}, while the database vacuums what the
 *       backlogs left and the page code warms, are reported apart and not judged against the goal:
 *       the goal is a province's steady state.
 * </ol>
 *
 * Then it counts what was sent (acknowledged by the broker) against what was stored.
 */
@Command(
    name = "bench-fleet",
    mixinStandardHelpOptions = true,
    description =
        "Measure a province of gateways: backlog drain, live load, the regulator's pages.")
public final class FleetBench implements Callable<Integer> {
  private static final String[] PARAMETERS = LoadGateway.PARAMETERS;
  private static final String[] UNITS = LoadGateway.UNITS;

  /**
   * Each parameter's readings (in {@link #PARAMETERS}' order) run from its low to low + span:
   * values an operating plant reports, inside the permit the bench gives every station (QCVN 40
   * column B: compliance/…/standards/qcvn-40-2011.yaml). Until 2026-12-03 every parameter ran
   * 10–58, pH too: every plant raised an impossible-value alert about every 12 minutes and breached
   * NH4_N all day, a province no regulator has and not the load the pages were meant to be measured
   * under (docs/performance.md).
   */
  private static final double[] LOW = {40, 20, 1, 6.8, 26, 40, 42, 20};

  private static final double[] SPAN = {50, 40, 5, 1, 5, 20, 20, 40};

  /** A breaching plant's COD runs from here to + 60 mg/L: above column B's 150 all along. */
  private static final double BREACHING_COD = 200;

  @Option(
      names = "--gateways",
      defaultValue = "1000",
      description = "plants, each its own gateway and connection (default: ${DEFAULT-VALUE})")
  int gateways;

  @Option(
      names = "--parameters",
      defaultValue = "8",
      description = "parameters per station, at most 8 (default: ${DEFAULT-VALUE})")
  int parameters;

  @Option(
      names = "--history-hours",
      defaultValue = "24",
      description = "each gateway's backlog (default: ${DEFAULT-VALUE})")
  int historyHours;

  @Option(
      names = "--history-interval-seconds",
      defaultValue = "60",
      description =
          "one reading per parameter this often in the backlog (default: ${DEFAULT-VALUE})")
  int historyIntervalSeconds;

  @Option(
      names = "--live-seconds",
      // 120: some 170 answers of each page, so that a p95 rests on eight or nine of them, not on
      // the four of a minute's 77 (which moved by tens of ms between runs, 2026-12-05)
      defaultValue = "120",
      description = "length of the live phase (default: ${DEFAULT-VALUE})")
  int liveSeconds;

  @Option(
      names = "--settle-seconds",
      // After a province's backlogs the database vacuums and analyses the fresh chunks (autovacuum
      // of the hourly aggregates and of the readings' chunk from 20 to 45 s into the live phase)
      // and the ingest's page code runs cold: pages answered two to five times slower than later
      // until about a minute in (answers timed per 15 s, 2026-12-05). Reported apart, not judged.
      defaultValue = "60",
      description =
          "first seconds of the live phase, after the backlogs, whose pages are reported apart"
              + " and not judged against the goal (default: ${DEFAULT-VALUE})")
  int settleSeconds;

  @Option(
      names = "--live-interval-seconds",
      defaultValue = "10",
      description = "each gateway sends this often when live (default: ${DEFAULT-VALUE})")
  int liveIntervalSeconds;

  @Option(
      names = "--breaching-plants",
      defaultValue = "20",
      description =
          "plants whose COD breaches their permit all along, spread over the province"
              + " (default: ${DEFAULT-VALUE})")
  int breachingPlants;

  /** The sites of the breaching plants ({@link #breachingPlants}). */
  private final Set<String> breaching = new HashSet<>();

  @Option(
      names = "--batch",
      defaultValue = "500",
      description =
          "readings per backlog message, the gateway's default (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(
      names = "--window",
      defaultValue = "4",
      description = "backlog messages in flight per gateway (default: ${DEFAULT-VALUE})")
  int window;

  @Option(
      names = "--sse-clients",
      defaultValue = "10",
      description = "pages following the live feed (default: ${DEFAULT-VALUE})")
  int sseClients;

  @Option(
      names = "--ingest-heap",
      description = "maximum heap of the ingest process, e.g. 256m (default: the JVM's)")
  String ingestHeap;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text, or json: the last line is one JSON object (default: ${DEFAULT-VALUE})")
  String format;

  @Mixin BenchBroker broker;
  @Mixin BenchDatabase database;

  private final ReadingsCodec codec = new ReadingsCodec();
  private final HttpClient http = HttpClient.newHttpClient();
  private String base;
  private String token;

  @Override
  public Integer call() throws Exception {
    parameters = Math.min(parameters, PARAMETERS.length);
    int every = breachingPlants > 0 ? Math.max(1, gateways / breachingPlants) : gateways;
    for (int g = 0; g < gateways && breaching.size() < breachingPlants; g += every)
      breaching.add(site(g));
    ScratchDirectory dir = ScratchDirectory.create("outfall-bench-fleet");
    try (dir;
        BenchDatabase.Running db = database.start(dir.path());
        BenchBroker.Running running = broker.start(dir.path())) {
      String jdbc = db.newDatabase("bench_fleet");
      Ingest ingest = startIngest(dir.path(), db, jdbc, running.url());
      try {
        return run(running, db, jdbc, ingest);
      } catch (Exception e) {
        // the scratch directory goes with the run: what the ingest said of it goes to the console
        List<String> log = Files.readAllLines(dir.path().resolve("ingest.log"));
        System.err.println("the ingest's log, its last 80 lines:");
        log.subList(Math.max(0, log.size() - 80), log.size()).forEach(System.err::println);
        throw e;
      } finally {
        ingest.process().destroy();
        ingest.process().waitFor(20, TimeUnit.SECONDS);
        ingest.process().destroyForcibly();
      }
    }
  }

  private record Ingest(Process process, IngestPeaks sampler) {}

  private int run(BenchBroker.Running running, BenchDatabase.Running db, String jdbc, Ingest ingest)
      throws Exception {
    Instant liveFrom = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    Instant historyFrom = liveFrom.minus(Duration.ofHours(historyHours));
    long perGateway = (long) historyHours * 3600 / historyIntervalSeconds * parameters;
    System.out.printf(
        "outfall bench-fleet: %,d gateways x 1 station x %d parameters; backlog %d h at %d s"
            + " (%,d readings each), %d plants breaching COD; live every %d s for %d s after %d s"
            + " settling; broker %s, %s, ingest %s%n",
        gateways,
        parameters,
        historyHours,
        historyIntervalSeconds,
        perGateway,
        breaching.size(),
        liveIntervalSeconds,
        liveSeconds,
        settleSeconds,
        running.label(),
        db.label(jdbc),
        ingestHeap == null ? "a process of its own" : "a process of its own, -Xmx" + ingestHeap);

    Fleet solo = Fleet.connect(running.url(), List.of(site(-1)));
    double soloRate = drain(solo, historyFrom, perGateway);
    System.out.printf("  one gateway's backlog alone:     %,10.0f readings/s%n", soloRate);
    solo.close();

    List<String> sites = new ArrayList<>();
    for (int g = 0; g < gateways; g++) sites.add(site(g));
    long connecting = System.nanoTime();
    Fleet fleet = Fleet.connect(running.url(), sites);
    System.out.printf(
        "  %,d gateways connected in %.1f s%n", gateways, (System.nanoTime() - connecting) / 1e9);
    double allRate = drain(fleet, historyFrom, perGateway);
    System.out.printf(
        "  every backlog at once:           %,10.0f readings/s = %.2f x one gateway's%n",
        allRate, allRate / soloRate);
    // A day's backlog of every plant keeps the engine and the aggregates busy well after the
    // writer is done; the live phase, whose pages measure a province at its steady state, waits.
    double followed;
    try (Connection c = DriverManager.getConnection(jdbc, db.user(), db.password())) {
      followed =
          BenchDatabase.awaitFollowed(
              c, 100, Duration.ofMinutes(30), "evaluation_batches", "reading_batches");
    }
    System.out.printf(
        "  every reading judged and aggregated %.1f s after the last was stored%n", followed);

    Live live = live(fleet, liveFrom);
    long sent = solo.sent.get() + fleet.sent.get();
    long stored = waitStored(sent, Duration.ofSeconds(120));
    double duplicates = metric("outfall_readings_duplicate_total");
    fleet.close();
    IngestPeaks.Peak peak = ingest.sampler().stop();
    System.out.printf(
        "  sent (broker acknowledged) %,d, stored %,d, lost %,d, duplicates %,.0f%n",
        sent, stored, sent - stored, duplicates);
    System.out.printf(
        "  ingest process: heap peak %,d MB, RSS peak %,d MB%n",
        peak.heapBytes() >> 20, peak.rssBytes() >> 20);
    System.out.printf(
        "  judging at most %.0f s behind the stored readings (outfall_compliance_backlog_age_seconds,"
            + " sampled by the ingest every 5 s)%n",
        peak.judgingBehindSeconds());
    System.out.printf(
        "  settling, the first %d s after the backlogs (not judged):%n", settleSeconds);
    printLatencies(live.settling(), Set.of());
    System.out.printf("  live, the %d s after that:%n", liveSeconds);
    printLatencies(live.steady(), PageProbe.judged(gateways));
    if (format.equals("json")) {
      JsonObject out =
          new JsonObject()
              .put("gateways", gateways)
              .put("parameters", parameters)
              .put("readings_sent", sent)
              .put("readings_stored", stored)
              .put("readings_lost", sent - stored)
              .put("readings_duplicate", (long) duplicates)
              .put("drain_one_gateway_readings_per_s", Math.round(soloRate))
              .put("drain_all_at_once_readings_per_s", Math.round(allRate))
              .put("drain_all_to_one", Math.round(allRate / soloRate * 100) / 100.0)
              .put("judged_and_aggregated_after_drain_s", Math.round(followed * 10) / 10.0)
              .put("ingest_heap_peak_mb", peak.heapBytes() >> 20)
              .put("ingest_rss_peak_mb", peak.rssBytes() >> 20)
              .put("judging_behind_peak_s", Math.round(peak.judgingBehindSeconds() * 10) / 10.0)
              .put("broker", running.label())
              .put("database", db.label(jdbc));
      putLatencies(out, "", live.steady());
      putLatencies(out, "settling_", live.settling());
      System.out.println(out.encode());
    }
    return sent == stored ? 0 : 1;
  }

  /** Each page's p50, p95 and max, and for the pages {@code judged} whether the goal is met. */
  private static void printLatencies(Map<String, List<Long>> latencies, Set<String> judged) {
    for (var e : latencies.entrySet()) {
      double[] p = pcts(e.getValue());
      String goal = !judged.contains(e.getKey()) ? "-" : p[1] <= 50 ? "met" : "NOT met";
      System.out.printf(
          "  %-44s n=%5d  p50 %7.1f ms  p95 %7.1f ms  max %8.1f ms  (goal p95 <= 50 ms: %s)%n",
          e.getKey(), e.getValue().size(), p[0], p[1], p[2], goal);
    }
  }

  /** Each page's p50, p95 and max as {@code <prefix><page>_p50_ms}... */
  private static void putLatencies(
      JsonObject out, String prefix, Map<String, List<Long>> latencies) {
    for (var e : latencies.entrySet()) {
      double[] p = pcts(e.getValue());
      String key = prefix + e.getKey().replaceAll("[^a-z0-9]+", "_").replaceAll("_+$", "");
      out.put(key + "_p50_ms", Math.round(p[0] * 10) / 10.0)
          .put(key + "_p95_ms", Math.round(p[1] * 10) / 10.0)
          .put(key + "_max_ms", Math.round(p[2] * 10) / 10.0);
    }
  }

  static String site(int g) {
    return g < 0 ? "fleet-solo" : String.format("fleet-%04d", g);
  }

  static String station(String site) {
    return site.toUpperCase() + "-OUT";
  }

  // --- the gateways -------------------------------------------------------------------------

  /** Gateways, each with its own connection; {@code sent} counts readings the broker took. */
  private static final class Fleet implements AutoCloseable {
    final List<String> sites;
    final List<MqttAsyncClient> clients;
    final AtomicLong sent = new AtomicLong();

    private Fleet(List<String> sites, List<MqttAsyncClient> clients) {
      this.sites = sites;
      this.clients = clients;
    }

    static Fleet connect(String url, List<String> sites) throws Exception {
      List<MqttAsyncClient> clients = new ArrayList<>();
      List<IMqttToken> tokens = new ArrayList<>();
      for (String site : sites) {
        MqttAsyncClient c =
            new MqttAsyncClient(
                url, MqttConnect.gatewayClientId(site, "gw"), new MemoryPersistence());
        tokens.add(c.connect(MqttConnect.options(url, null, null)));
        clients.add(c);
      }
      for (IMqttToken t : tokens) t.waitForCompletion(60_000);
      return new Fleet(sites, clients);
    }

    /** Drops every connection at once (one by one, a thousand clean disconnects take minutes). */
    @Override
    public void close() {
      clients.parallelStream()
          .forEach(
              c -> {
                try {
                  c.disconnectForcibly(0, 1_000, false);
                  c.close(true);
                } catch (Exception e) {
                  // going anyway
                }
              });
    }
  }

  /**
   * Every gateway of {@code fleet} sends its backlog as fast as the broker takes it ({@code
   * --window} messages in flight each); the rate is readings over the time until the ingest has
   * stored them all.
   */
  private double drain(Fleet fleet, Instant from, long perGateway) throws Exception {
    double storedBefore = metric("outfall_readings_stored_total");
    long messagesPerGateway = (perGateway + batch - 1) / batch;
    CountDownLatch done = new CountDownLatch(fleet.clients.size());
    long start = System.nanoTime();
    for (int g = 0; g < fleet.clients.size(); g++) {
      Pump pump = new Pump(fleet, g, from, perGateway, messagesPerGateway, done::countDown);
      for (int w = 0; w < window; w++) pump.next();
    }
    if (!done.await(60, TimeUnit.MINUTES)) throw new IllegalStateException("backlog not sent");
    long total = perGateway * fleet.clients.size();
    waitStored((long) storedBefore + total, Duration.ofMinutes(30));
    return total / ((System.nanoTime() - start) / 1e9);
  }

  /** One gateway's backlog: the next message whenever one is acknowledged. */
  private final class Pump implements MqttActionListener {
    final Fleet fleet;
    final int g;
    final Instant from;
    final long readings;
    final long messages;
    final Runnable onDone;
    final AtomicLong nextMessage = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();

    Pump(Fleet fleet, int g, Instant from, long readings, long messages, Runnable onDone) {
      this.fleet = fleet;
      this.g = g;
      this.from = from;
      this.readings = readings;
      this.messages = messages;
      this.onDone = onDone;
    }

    /** In order, as a gateway sends its buffer: the main thread and PUBACKs both call this. */
    synchronized void next() {
      long m = nextMessage.getAndIncrement();
      if (m >= messages) return;
      String site = fleet.sites.get(g);
      List<Reading> rs = new ArrayList<>(batch);
      for (long n = m * batch; n < Math.min(readings, (m + 1) * batch); n++) {
        int p = (int) (n % parameters);
        long ts = from.toEpochMilli() + (n / parameters) * historyIntervalSeconds * 1000L;
        rs.add(reading(site, p, ts, n));
      }
      publish(fleet, g, new ReadingsBatch("gw", m + 1, System.currentTimeMillis(), rs), this);
    }

    @Override
    public void onSuccess(IMqttToken token) {
      fleet.sent.addAndGet(batchSize(token));
      if (acknowledged.incrementAndGet() == messages) onDone.run();
      else next();
    }

    @Override
    public void onFailure(IMqttToken token, Throwable e) {
      System.err.println("publish failed (" + fleet.sites.get(g) + "): " + e);
      if (acknowledged.incrementAndGet() == messages) onDone.run();
      else next();
    }
  }

  private static int batchSize(IMqttToken token) {
    return (Integer) token.getUserContext();
  }

  private void publish(Fleet fleet, int g, ReadingsBatch b, MqttActionListener listener) {
    MqttMessage m = new MqttMessage(codec.encode(b));
    m.setQos(1);
    try {
      fleet
          .clients
          .get(g)
          .publish(Topics.readings(fleet.sites.get(g), "gw"), m, b.readings().size(), listener);
    } catch (Exception e) {
      listener.onFailure(null, e);
    }
  }

  private Reading reading(String site, int p, long ts, long n) {
    double low = p == 0 && breaching.contains(site) ? BREACHING_COD : LOW[p];
    double value = low + SPAN[p] * (n % 97) / 96.0;
    return new Reading(station(site), PARAMETERS[p], ts, value, UNITS[p], DeviceStatus.MEASURING);
  }

  // --- live ---------------------------------------------------------------------------------

  /**
   * The answers' times by page, those begun in the settling seconds apart from the steady phase's.
   */
  private static final class Live {
    private final Map<String, List<Long>> settling = new LinkedHashMap<>();
    private final Map<String, List<Long>> steady = new LinkedHashMap<>();

    /** When the settling seconds end (epoch ms); set before anything is published. */
    private volatile long settledMs = Long.MAX_VALUE;

    Live(List<String> pages) {
      for (String page : pages) {
        settling.put(page, Collections.synchronizedList(new ArrayList<>()));
        steady.put(page, Collections.synchronizedList(new ArrayList<>()));
      }
    }

    boolean knows(String page) {
      return steady.containsKey(page);
    }

    /** An answer to {@code page} that took {@code nanos}, begun at {@code atMs}. */
    void add(String page, long nanos, long atMs) {
      (atMs < settledMs ? settling : steady).get(page).add(nanos);
    }

    Map<String, List<Long>> settling() {
      return settling;
    }

    Map<String, List<Long>> steady() {
      return steady;
    }
  }

  /**
   * Every gateway sends one reading of each parameter every {@code --live-interval-seconds},
   * gateway g at g / n of the interval; meanwhile the pages are asked for, evenly over the phase,
   * and {@code --sse-clients} pages follow the live feed.
   */
  private Live live(Fleet fleet, Instant from) throws Exception {
    Map<String, long[]> publishedAt = new ConcurrentHashMap<>(); // station -> {ts, nanos}
    String feed = "live feed, publish -> page (" + sseClients + " pages)";
    List<String> measured = new ArrayList<>(PageProbe.pages(gateways));
    measured.add(feed);
    Live live = new Live(measured);

    List<Thread> pages = new ArrayList<>();
    List<InputStream> streams = new ArrayList<>();
    for (int i = 0; i < sseClients; i++) {
      InputStream in =
          http.send(request("/api/live").build(), HttpResponse.BodyHandlers.ofInputStream()).body();
      streams.add(in);
      Thread t = new Thread(() -> follow(in, publishedAt, live, feed), "bench-page-" + i);
      t.setDaemon(true);
      t.start();
      pages.add(t);
    }

    ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
    long intervalMs = liveIntervalSeconds * 1000L;
    long ticks = (settleSeconds + liveSeconds) / liveIntervalSeconds;
    MqttActionListener counted =
        new MqttActionListener() {
          @Override
          public void onSuccess(IMqttToken token) {
            fleet.sent.addAndGet(batchSize(token));
          }

          @Override
          public void onFailure(IMqttToken token, Throwable e) {
            System.err.println("live publish failed: " + e);
          }
        };
    long startMs = System.currentTimeMillis() + 1_000;
    live.settledMs = startMs + settleSeconds * 1000L;
    for (int g = 0; g < fleet.clients.size(); g++) {
      int gw = g;
      long offset = intervalMs * g / fleet.clients.size();
      AtomicLong tick = new AtomicLong();
      ticker.scheduleAtFixedRate(
          () -> {
            long k = tick.getAndIncrement();
            if (k >= ticks) return;
            long ts = Math.max(from.toEpochMilli(), startMs) + k * intervalMs + offset;
            String site = fleet.sites.get(gw);
            List<Reading> rs = new ArrayList<>(parameters);
            for (int p = 0; p < parameters; p++) rs.add(reading(site, p, ts, k + p));
            publishedAt.put(station(site), new long[] {ts, System.nanoTime()});
            publish(fleet, gw, new ReadingsBatch("gw", 1_000_000 + k, ts, rs), counted);
          },
          startMs + offset - System.currentTimeMillis(),
          intervalMs,
          TimeUnit.MILLISECONDS);
    }

    // the pages, each asked for evenly over the phase, one request at a time, from a process of
    // their own (PageProbe)
    long end = startMs + ticks * intervalMs;
    ProcessBuilder pb =
        new ProcessBuilder(PageProbe.command(base, gateways, startMs + 2_000, end - 1_000));
    pb.environment().put(PageProbe.TOKEN_ENV, token);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process probe = pb.start();
    try (var answers =
        new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = answers.readLine()) != null; ) {
        String[] answer = line.split("\t"); // page, nanos, epoch ms begun
        if (answer.length == 3 && live.knows(answer[0]))
          live.add(answer[0], Long.parseLong(answer[1]), Long.parseLong(answer[2]));
        else System.err.println("pages' probe: " + line);
      }
      if (probe.waitFor() != 0)
        throw new IllegalStateException("the pages' probe failed (exit " + probe.exitValue() + ")");
    } catch (Exception e) {
      probe.destroy();
      ticker.shutdownNow(); // its threads would keep the bench from exiting
      for (InputStream in : streams) in.close();
      throw e;
    }
    ticker.shutdown();
    ticker.awaitTermination(intervalMs * 2, TimeUnit.MILLISECONDS);
    Thread.sleep(2_000);
    for (InputStream in : streams) in.close();
    return live;
  }

  /** Reads a live feed's events and notes how long after publishing each reading arrived. */
  private static void follow(
      InputStream in, Map<String, long[]> publishedAt, Live live, String feed) {
    try {
      StringBuilder line = new StringBuilder();
      String type = null;
      int ch;
      while ((ch = in.read()) >= 0) {
        if (ch != '\n') {
          line.append((char) ch);
          continue;
        }
        long now = System.nanoTime();
        String l = line.toString();
        line.setLength(0);
        if (l.startsWith("event:")) type = l.substring(6).trim();
        if (!l.startsWith("data:") || !"readings".equals(type)) continue;
        JsonObject data = new JsonObject(l.substring(5).trim());
        long[] pub = publishedAt.get(data.getString("station"));
        JsonArray readings = data.getJsonArray("readings");
        if (pub == null || readings == null || readings.isEmpty()) continue;
        if (readings.getJsonArray(0).getLong(1) == pub[0])
          live.add(feed, now - pub[1], System.currentTimeMillis());
      }
    } catch (Exception e) {
      // the stream was closed at the end of the phase
    }
  }

  // --- the ingest process -------------------------------------------------------------------

  private Ingest startIngest(Path dir, BenchDatabase.Running db, String jdbc, String mqttUrl)
      throws Exception {
    int port = EmbeddedBroker.freePort();
    Path tokenFile = dir.resolve("admin-token");
    Path permits = Files.createDirectories(dir.resolve("permits"));
    for (int g = -1; g < gateways; g++)
      Files.writeString(
          permits.resolve(station(site(g)) + ".yaml"),
          "station: "
              + station(site(g))
              + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\n"
              + "parameters: [COD, TSS, NH4_N, pH]\n");
    Map<Setting, String> settings = new HashMap<>();
    settings.put(Setting.MQTT_URL, mqttUrl);
    settings.put(Setting.MQTT_CLIENT_ID, "bench-fleet-ingest");
    settings.put(Setting.MQTT_SHARED_GROUP, "bench-fleet-" + ProcessHandle.current().pid());
    settings.put(Setting.MQTT_SESSION_EXPIRY_SECONDS, "0");
    settings.put(Setting.DB_URL, jdbc);
    settings.put(Setting.DB_USER, db.user());
    settings.put(Setting.DB_PASSWORD, db.password());
    settings.put(Setting.HTTP_HOST, "127.0.0.1");
    settings.put(Setting.HTTP_PORT, String.valueOf(port));
    settings.put(Setting.HTTP_ADMIN_TOKEN_FILE, tokenFile.toString());
    settings.put(Setting.REGISTRY_UNREGISTERED_STATIONS, "register");
    settings.put(Setting.ALERTS_PERMITS_DIR, permits.toString());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    if (ingestHeap != null) command.add("-Xmx" + ingestHeap);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.addAll(List.of("io.outfall.app.cli.Main", "serve"));
    ProcessBuilder pb = new ProcessBuilder(command);
    settings.forEach((k, v) -> pb.environment().put(k.envName(), v));
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("ingest.log").toFile());
    Process p = pb.start();
    base = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (!p.isAlive())
        throw new IllegalStateException(
            "ingest exited: " + Files.readString(dir.resolve("ingest.log")));
      try {
        if (Files.exists(tokenFile)) {
          token = Files.readString(tokenFile).trim();
          if (http.send(request("/api/health").build(), HttpResponse.BodyHandlers.discarding())
                  .statusCode()
              == 200) break;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException("ingest did not start");
      Thread.sleep(250);
    }
    return new Ingest(p, new IngestPeaks(p.pid()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(60));
  }

  /** One sample of the ingest's /metrics (summed over its tags), 0 if absent. */
  private double metric(String name) throws Exception {
    return summed(
        http.send(request("/metrics").build(), HttpResponse.BodyHandlers.ofString()).body(), name);
  }

  /** The samples of {@code name} in a /metrics text, summed over their tags; 0 if absent. */
  private static double summed(String metrics, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(metrics);
    double sum = 0;
    while (m.find()) sum += Double.parseDouble(m.group(2));
    return sum;
  }

  private long waitStored(long expected, Duration atMost) throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    long stored;
    // From 1 ms up: a short drain (one gateway's hour is one message) is over in tens of ms, and
    // a fixed 200 ms step would be most of what it measured.
    long pause = 1;
    while ((stored = (long) metric("outfall_readings_stored_total")) < expected
        && System.nanoTime() < deadline) {
      Thread.sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
    return stored;
  }

  /**
   * Samples the ingest's heap and how far its judging is behind (its /metrics) and RSS (/proc)
   * every second; keeps the peaks.
   */
  private final class IngestPeaks {
    record Peak(long heapBytes, long rssBytes, double judgingBehindSeconds) {}

    private final long pid;
    private final AtomicLong heap = new AtomicLong();
    private final AtomicLong rss = new AtomicLong();
    private final AtomicLong judgingBehindMillis = new AtomicLong();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

    IngestPeaks(long pid) {
      this.pid = pid;
      sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    private void sample() {
      try {
        String body =
            http.send(request("/metrics").build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m =
            Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} (\\S+)$")
                .matcher(body);
        long h = 0;
        while (m.find()) h += (long) Double.parseDouble(m.group(1));
        heap.accumulateAndGet(h, Math::max);
        double behind = summed(body, "outfall_compliance_backlog_age_seconds");
        if (!Double.isNaN(behind)) // NaN while the ingest cannot ask its database: not a figure
        judgingBehindMillis.accumulateAndGet(Math.round(behind * 1000), Math::max);
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
          if (line.startsWith("VmRSS:"))
            rss.accumulateAndGet(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024, Math::max);
      } catch (Exception e) {
        // the process is stopping
      }
    }

    Peak stop() {
      sampler.shutdownNow();
      return new Peak(heap.get(), rss.get(), judgingBehindMillis.get() / 1000.0);
    }
  }

  /** {p50, p95, max} in ms: the max shows a first answer that does what later ones find done. */
  private static double[] pcts(List<Long> nanos) {
    if (nanos.isEmpty()) return new double[] {Double.NaN, Double.NaN, Double.NaN};
    long[] v = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(v);
    return new double[] {
      AlertLatencyBench.pct(v, 0.50), AlertLatencyBench.pct(v, 0.95), v[v.length - 1] / 1e6
    };
  }
}

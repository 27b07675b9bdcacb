package io.outfall.app.bench;

import io.outfall.ingest.dashboards.DashboardsApi;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The pages {@code bench-fleet} asks for during its live phase, asked for from a process of their
 * own, as a regulator's browser is not in the gateways' process. Asked for from the bench's
 * process, which also runs a thousand gateways' MQTT clients (some 3,000 threads whose stacks every
 * collection scans), each of that process's young collections during the live phase (68-106 ms, one
 * every 12-16 s; its GC log, 2026-12-05) was added to whatever answer was in flight.
 *
 * <p>From {@code start} to {@code end} (epoch ms), each page in turn, one request at a time, then
 * half a second's pause; before {@code start} it asks for {@code /api/health} so that its own HTTP
 * client is not measured cold. Prints one line per answer, {@code <page>\t<ns>\t<epoch ms begun>},
 * and exits 1 at the first answer that is not 200.
 */
final class PageProbe {
  /** Where the ingest's admin token is passed (not on a command line others can read). */
  static final String TOKEN_ENV = "OUTFALL_PROBE_TOKEN";

  static final String WHOLE = "overview, whole (%d plants)";
  static final String FIRST = "overview, first screen (limit=0)";
  static final String PAGE = "overview, a page of 200 plants";
  static final String LIST = "station list, a page of 100";
  static final String CHART = "one station's chart, 24 h";
  static final String BUCKETS = "one station's chart, 24 h of 1-minute buckets";

  /** The pages' names, in the order asked for and reported. */
  static List<String> pages(int gateways) {
    return List.of(WHOLE.formatted(gateways), FIRST, PAGE, LIST, CHART, BUCKETS);
  }

  /** The pages issue 19 sets a goal for (the overview and the station list; not the charts). */
  static Set<String> judged(int gateways) {
    return Set.of(WHOLE.formatted(gateways), FIRST, PAGE, LIST);
  }

  /** HTTP/1.1, as a browser speaks to a plain http:// server (no h2c upgrade). */
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final String base;
  private final String token;
  private final PrintStream out;

  private PageProbe(String base, String token, PrintStream out) {
    this.base = base;
    this.token = token;
    this.out = out;
  }

  /** The command that runs a probe in a JVM of its own, with {@code java} and this class path. */
  static List<String> command(String base, int gateways, long startMs, long endMs) {
    String zone = DashboardsApi.PLANT_ZONE.getId(); // the operator page's, as its charts ask
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // a small heap and a collector with few threads: the probe's own pauses stay short
    command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(PageProbe.class.getName());
    command.addAll(
        List.of(
            base, String.valueOf(gateways), String.valueOf(startMs), String.valueOf(endMs), zone));
    return command;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println(
          "usage: PageProbe <base-url> <gateways> <start-epoch-ms> <end-epoch-ms> <plant-zone>");
      System.exit(2);
    }
    int gateways = Integer.parseInt(args[1]);
    PageProbe probe = new PageProbe(args[0], System.getenv(TOKEN_ENV), System.out);
    try {
      probe.run(gateways, Long.parseLong(args[2]), Long.parseLong(args[3]), args[4]);
    } catch (IllegalStateException e) {
      System.err.println(e.getMessage());
      System.exit(1);
    }
  }

  private void run(int gateways, long startMs, long endMs, String zone) throws Exception {
    while (System.currentTimeMillis() < startMs) {
      try {
        send("/api/health");
      } catch (IOException e) {
        // not measured: only the client's own warming up
      }
      Thread.sleep(20);
    }
    String whole = WHOLE.formatted(gateways);
    Random random = new Random(3);
    while (System.currentTimeMillis() < endMs) {
      timed(whole, "/api/overview");
      timed(FIRST, "/api/overview?limit=0");
      // what the overview page asks for after its first screen (every plant its own cluster here)
      timed(
          PAGE,
          "/api/overview?limit=200&offset=" + 200 * random.nextInt(Math.max(1, gateways / 200)));
      timed(LIST, "/api/stations?limit=100&offset=" + 100 * random.nextInt(10));
      String station = FleetBench.station(FleetBench.site(random.nextInt(gateways)));
      String readings = "/api/stations/" + station + "/readings";
      timed(CHART, readings);
      // what the operator page's charts ask for (operator.js, loadCharts)
      Instant now = Instant.now();
      timed(
          BUCKETS,
          readings
              + "?step=1m&fields=mean,calibrating,fault&tz="
              + URLEncoder.encode(zone, StandardCharsets.UTF_8)
              + "&from="
              + now.minus(Duration.ofDays(1))
              + "&to="
              + now);
      Thread.sleep(500);
    }
  }

  private void timed(String page, String path) throws Exception {
    long begunMs = System.currentTimeMillis();
    long t0 = System.nanoTime();
    send(path);
    out.println(page + "\t" + (System.nanoTime() - t0) + "\t" + begunMs);
  }

  private void send(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200)
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
  }
}

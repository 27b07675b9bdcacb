package io.outfall.app.drill;

import io.outfall.ingest.access.AdminToken;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every drill does: say what is happening, count rows, start a part of Outfall as a process.
 */
final class Drills {
  private Drills() {}

  static void step(String format, Object... args) {
    System.out.printf("[drill] " + format + "%n", args);
  }

  /** One number from the database (user postgres, no password: the drills' embedded database). */
  static long count(String jdbc, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /**
   * Settings of a drill's ingest: the drill's embedded database ({@code jdbc}, user postgres) and
   * broker, HTTP on a free port of 127.0.0.1, the admin token and signing key in {@code dir}.
   */
  static Settings ingest(Path dir, String jdbc, String brokerUrl) {
    return Settings.defaults()
        .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "register")
        .with(Setting.DB_URL, jdbc)
        .with(Setting.DB_USER, "postgres")
        .with(Setting.MQTT_URL, brokerUrl)
        .with(Setting.MQTT_CLIENT_ID, "drill-ingest")
        .with(Setting.HTTP_HOST, "127.0.0.1")
        .with(Setting.HTTP_PORT, 0)
        .with(Setting.HTTP_ADMIN_TOKEN_FILE, dir.resolve("admin-token").toString())
        .with(Setting.DEPLOY_SIGNING_KEY_FILE, dir.resolve("signing.key").toString());
  }

  /**
   * The admin token a drill's ingest accepts (setting {@code http.admin-token-file}), created in
   * the drill's directory.
   */
  static String adminToken(Path dir) throws IOException {
    return AdminToken.loadOrCreate(dir.resolve("admin-token"));
  }

  /** GET on ingest at 127.0.0.1:{@code port}; null when it does not answer (yet). */
  private static HttpResponse<String> get(int port, String token, String path) {
    try {
      var req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(5));
      if (token != null) req.header("Authorization", "Bearer " + token);
      return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The status /api/health answers, or -1 when ingest does not answer. */
  static int health(int port) {
    var r = get(port, null, "/api/health");
    return r == null ? -1 : r.statusCode();
  }

  /** One series' value from ingest's /metrics, as text ("?" when it cannot be read). */
  static String metric(int port, String adminToken, String name) {
    var r = get(port, adminToken, "/metrics");
    if (r == null) return "?";
    return r.body()
        .lines()
        .filter(l -> l.startsWith(name))
        .map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .findFirst()
        .orElse("?");
  }

  /**
   * What a drill prints when readings went missing, so that a rare failure says where the flow
   * stopped: whether ingest still received messages from the broker, what waits in its queue, what
   * it stored and whether its links are up; with {@code inProcess}, also where ingest's writer and
   * the MQTT callback threads stand (a stall that held for minutes shows in their stacks).
   */
  static void explainLoss(int port, String adminToken, boolean inProcess) {
    step(
        "ingest says: received %s messages, stored %s readings, %s messages queued, broker"
            + " connected %s, database up %s, transient write failures %s",
        metric(port, adminToken, "outfall_messages_received_total"),
        metric(port, adminToken, "outfall_readings_stored_total"),
        metric(port, adminToken, "outfall_ingest_queue_messages"),
        metric(port, adminToken, "outfall_broker_connected"),
        metric(port, adminToken, "outfall_database_up"),
        metric(port, adminToken, "outfall_ingest_write_failures_total{kind=\"transient\"}"));
    if (!inProcess) return;
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              // the writer, and Paho's callback thread that hands it messages (blocked when full)
              if (!thread.getName().equals("outfall-writer")
                  && !thread.getName().startsWith("MQTT Call")) return;
              StringBuilder s = new StringBuilder();
              for (int i = 0; i < Math.min(stack.length, 10); i++)
                s.append("%n      at ".formatted()).append(stack[i]);
              step("thread %s (%s):%s", thread.getName(), thread.getState(), s);
            });
  }

  /** A count read from the database. */
  interface Count {
    long get() throws Exception;
  }

  /**
   * The count once it has reached {@code expected} and not moved for 5 s (a replay that stores
   * twice would still show), or as it stands after {@code within}: what a drill's verdict reads.
   */
  static long settled(Count stored, long expected, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    long n = stored.get();
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline
        && (n < expected || System.nanoTime() - stableSince < 5_000_000_000L)) {
      Thread.sleep(500);
      long now = stored.get();
      if (now != n) stableSince = System.nanoTime();
      n = now;
    }
    return n;
  }

  /** SQL counting the readings stored for a station. */
  static String storedFor(String station) {
    return "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id"
        + " WHERE s.code = '"
        + station.replace("'", "''")
        + "'";
  }

  /** Rows stored beyond one per storage key: what a replay stored twice. */
  static long duplicates(String jdbc) throws Exception {
    return count(jdbc, "SELECT count(*) FROM readings")
        - count(
            jdbc,
            "SELECT count(*) FROM (SELECT DISTINCT station_id, parameter_id, ts FROM readings) d");
  }

  /**
   * Starts {@code outfall ARGS…} in its own JVM with this process's class path, so that the drill
   * can SIGKILL it; output goes to {@code log}.
   */
  static Process outfall(List<String> args, Map<String, String> env, Path log) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.outfall.app.cli.Main");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }
}

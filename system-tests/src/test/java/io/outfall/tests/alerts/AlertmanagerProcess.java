package io.outfall.tests.alerts;

import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager}), run as a child
 * process on a free port with a null receiver: tests read what it holds through its API v2.
 */
final class AlertmanagerProcess implements AutoCloseable {
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Path binary;
  private final Path dir;
  private final int port;
  private Process process;

  /**
   * The binary: {@code OUTFALL_TEST_ALERTMANAGER}, else Debian's {@code prometheus-alertmanager} or
   * an {@code alertmanager} on the PATH; null when none is installed.
   */
  static Path find() {
    String env = System.getenv("OUTFALL_TEST_ALERTMANAGER");
    if (env != null && !env.isBlank()) return Path.of(env);
    return Stream.of(System.getenv("PATH").split(":"))
        .flatMap(p -> Stream.of(Path.of(p, "prometheus-alertmanager"), Path.of(p, "alertmanager")))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  AlertmanagerProcess(Path binary) throws Exception {
    this.binary = binary;
    this.dir = Files.createTempDirectory("outfall-alertmanager");
    this.port = TestServices.freePort();
    Files.writeString(
        dir.resolve("alertmanager.yml"),
        "route:\n  receiver: 'null'\n  group_wait: 0s\nreceivers:\n  - name: 'null'\n");
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  void start() throws Exception {
    process =
        new ProcessBuilder(
                List.of(
                    binary.toString(),
                    "--config.file=" + dir.resolve("alertmanager.yml"),
                    "--storage.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--cluster.listen-address="))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("alertmanager.log").toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive())
        throw new IllegalStateException(
            "alertmanager exited: " + Files.readString(dir.resolve("alertmanager.log")));
      try {
        if (get("/-/ready").statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("alertmanager not ready within 30 s");
  }

  /** Stops it (its alerts are kept in memory, so they are gone after a restart). */
  void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      process.waitFor();
    }
  }

  /** The alerts it holds as active, matching a label filter such as {@code station="X"}. */
  JsonArray alerts(String filter) throws Exception {
    HttpResponse<String> r =
        get("/api/v2/alerts?filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8));
    if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
    return new JsonArray(r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}

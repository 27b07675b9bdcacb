package io.outfall.app.cli;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs ingest against an external broker and database. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run ingest against an external MQTT broker and PostgreSQL/TimescaleDB.",
      "Every setting comes from --config FILE, an OUTFALL_* environment variable or its default;",
      "'outfall settings' lists them."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file")
  Path config;

  @Option(names = "--http-port", description = "overrides http.port")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    Map<Setting, String> overrides = new EnumMap<>(Setting.class);
    if (httpPort != null) overrides.put(Setting.HTTP_PORT, httpPort.toString());
    Settings settings = Settings.resolve(config, System.getenv(), overrides);
    IngestServer server = IngestServer.start(settings);
    System.out.println(
        "outfall ingest: http://127.0.0.1:" + server.httpPort() + "/  (health: /api/health)");
    awaitShutdown(server);
    return 0;
  }

  /** Blocks until SIGTERM/SIGINT, then closes {@code resources} in order. */
  static void awaitShutdown(AutoCloseable... resources) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopped.countDown();
                  try {
                    closed.await();
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                }));
    stopped.await();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
    closed.countDown();
  }
}

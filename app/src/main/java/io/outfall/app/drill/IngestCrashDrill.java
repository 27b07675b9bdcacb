package io.outfall.app.drill;

import io.outfall.app.bench.LoadGateway;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ingest crash drill: ingest runs as its own process against an embedded broker and PostgreSQL;
 * a gateway publishes readings (QoS 1) while ingest is killed with SIGKILL mid-stream, stays dead a
 * few seconds and is started again. The broker keeps ingest's persistent session and redelivers
 * what was never acknowledged; storage drops the replays. The verdict compares what the broker
 * acknowledged to the gateway with what the database holds, key by key.
 */
@Command(
    name = "ingest-crash",
    mixinStandardHelpOptions = true,
    description = {
      "SIGKILL the ingest process while readings stream in, restart it, and count.",
      "Last line: sent=N stored=N duplicates=N lost=N; exit 0 only when nothing was lost or duplicated."
    })
public final class IngestCrashDrill implements Callable<Integer> {
  @Option(
      names = "--readings",
      defaultValue = "200000",
      description = "readings to send, in batches of 100 (default ${DEFAULT-VALUE})")
  int readings;

  @Option(
      names = "--rate",
      defaultValue = "40",
      description = "batches per second (default ${DEFAULT-VALUE}: 4,000 readings/s)")
  double rate;

  @Option(
      names = "--down",
      defaultValue = "5",
      description = "seconds ingest stays dead (default ${DEFAULT-VALUE})")
  int down;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-ingest-crash");
    int batches = Math.max(1, readings / 100);
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker =
            EmbeddedBroker.start(dir.resolve("broker"), EmbeddedBroker.freePort(), true)) {
      String jdbc = pg.jdbcUrl("drill");
      int httpPort = EmbeddedBroker.freePort();
      Map<String, String> env =
          Map.ofEntries(
              Map.entry(Setting.REGISTRY_UNREGISTERED_STATIONS.envName(), "register"),
              Map.entry(Setting.DB_URL.envName(), jdbc),
              Map.entry(Setting.DB_USER.envName(), "postgres"),
              Map.entry(Setting.MQTT_URL.envName(), broker.url()),
              Map.entry(Setting.MQTT_CLIENT_ID.envName(), "drill-ingest"),
              // a session that outlives the process: what it did not acknowledge waits for it
              Map.entry(Setting.MQTT_SESSION_EXPIRY_SECONDS.envName(), "600"),
              Map.entry(Setting.HTTP_HOST.envName(), "127.0.0.1"),
              Map.entry(Setting.HTTP_PORT.envName(), Integer.toString(httpPort)),
              Map.entry(Setting.ALERTS_ENABLED.envName(), "false"),
              Map.entry(
                  Setting.HTTP_ADMIN_TOKEN_FILE.envName(), dir.resolve("admin-token").toString()));
      LoadGateway gateway = new LoadGateway("drill", "gw-crash");
      String stored = Drills.storedFor(gateway.station());
      Process ingest = startIngest(env, httpPort, dir.resolve("ingest-1.log"));
      Drills.step(
          "ingest up (pid %d); sending %d readings at %.0f readings/s",
          ingest.pid(), batches * 100, rate * 100);
      long base = System.currentTimeMillis() - Duration.ofDays(3).toMillis();
      CompletableFuture<Void> sending =
          gateway.publishInBackground(broker.url(), batches, 100, base, 64, rate);
      // Kill it once about a third has been stored: mid-stream, with messages in flight.
      while (Drills.count(jdbc, stored) < batches * 100L / 3 && !sending.isDone()) Thread.sleep(50);
      long storedAtKill = Drills.count(jdbc, stored);
      ingest.destroyForcibly().waitFor();
      Drills.step(
          "ingest killed with SIGKILL: %d stored, %d sent so far",
          storedAtKill, gateway.acknowledged());
      Thread.sleep(down * 1000L);
      long restartAt = System.nanoTime();
      long sentAtRestart = gateway.acknowledged();
      ingest = startIngest(env, httpPort, dir.resolve("ingest-2.log"));
      long backlogAfter = -1;
      double upAfter = (System.nanoTime() - restartAt) / 1e9;
      Drills.step(
          "ingest started again after %d s down; healthy %.1f s later (%d stored meanwhile)",
          down, upAfter, Drills.count(jdbc, stored));
      while (backlogAfter < 0 && System.nanoTime() - restartAt < 180_000_000_000L) {
        // the backlog: everything sent while it was dead
        if (Drills.count(jdbc, stored) >= sentAtRestart)
          backlogAfter = System.nanoTime() - restartAt;
        else Thread.sleep(50);
      }
      Drills.step(
          "the %d readings sent before the restart were all stored %.1f s after it",
          sentAtRestart, backlogAfter / 1e9);
      sending.get();
      long sent = gateway.acknowledged();
      Drills.step("gateway done: %d readings acknowledged by the broker", sent);
      long deadline = System.nanoTime() + 180_000_000_000L;
      long caughtUp = -1;
      while (System.nanoTime() < deadline) {
        if (Drills.count(jdbc, stored) >= sent) {
          caughtUp = System.nanoTime() - restartAt;
          break;
        }
        Thread.sleep(100);
      }
      Thread.sleep(2000); // anything still arriving would be a duplicate: give it time to show
      long storedNow = Drills.count(jdbc, stored);
      long duplicates = Drills.duplicates(jdbc);
      Drills.step(
          caughtUp < 0
              ? "not caught up within 180 s"
              : String.format(
                  "all stored %.1f s after the restart; replays dropped by storage: %s",
                  caughtUp / 1e9,
                  Drills.metric(
                      httpPort,
                      Drills.adminToken(dir.path()),
                      "outfall_readings_duplicate_total")));
      long lost = Math.max(0, sent - storedNow);
      // asked before the process goes: the restarted ingest is the one that should have stored
      if (lost > 0) Drills.explainLoss(httpPort, Drills.adminToken(dir.path()), false);
      ingest.destroy();
      ingest.waitFor();
      System.out.printf(
          "sent=%d stored=%d duplicates=%d lost=%d%n", sent, storedNow, duplicates, lost);
      return lost == 0 && duplicates == 0 && storedNow == sent ? 0 : 1;
    }
  }

  /** Starts {@code outfall serve} and waits until /api/health answers 200. */
  static Process startIngest(Map<String, String> env, int httpPort, Path log) throws Exception {
    Process p = Drills.outfall(List.of("serve"), env, log);
    long deadline = System.nanoTime() + 90_000_000_000L;
    while (true) {
      if (!p.isAlive())
        throw new IllegalStateException("ingest exited with " + p.exitValue() + ", see " + log);
      if (Drills.health(httpPort) == 200) return p;
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("ingest not healthy after 90 s, see " + log);
      Thread.sleep(200);
    }
  }
}

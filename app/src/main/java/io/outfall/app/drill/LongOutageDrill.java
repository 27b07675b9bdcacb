package io.outfall.app.drill;

import io.outfall.app.demo.DemoPlants;
import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.deploy.SigningKey;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The long-outage drill: the demo's four plants, each a simulated plant and a gateway polling it
 * every second, a real broker and ingest with storage. The broker goes away for ten minutes (a
 * province-wide outage; shorter with {@code --outage} in tests) while the plants go on; then it
 * returns. It measures what a regulator would ask: is anything lost or stored twice, how soon are
 * the live views live again, and how fast does the backlog drain against the gateways' configured
 * ceiling ({@code max_batches_per_second} × {@code batch_max_readings}).
 */
@Command(
    name = "long-outage",
    mixinStandardHelpOptions = true,
    description = {
      "The four demo plants against a broker that is down for --outage seconds (default 600).",
      "Last line: polled=N stored=N duplicates=N lost=N; exit 0 only when nothing was lost or",
      "duplicated and every plant was live again within 10 s of the broker's return."
    })
public final class LongOutageDrill implements Callable<Integer> {
  /** The demo plants' gateways send at most this many batches of this many readings a second. */
  private static final int BATCHES_PER_SECOND = 100;

  private static final int BATCH_READINGS = 100;
  private static final Duration LIVE_WITHIN = Duration.ofSeconds(10);
  private static final int POLL_MS = 20;

  @Option(names = "--before", defaultValue = "20", description = "seconds of normal running first")
  int before;

  @Option(names = "--outage", defaultValue = "600", description = "seconds the broker is down")
  int outage;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-long-outage");
    int mqttPort = EmbeddedBroker.freePort();
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), mqttPort, true)) {
      String jdbc = pg.jdbcUrl("drill");
      var settings =
          Drills.ingest(dir.path(), jdbc, broker.url()).with(Setting.ALERTS_ENABLED, false);
      try (IngestServer server = IngestServer.start(settings);
          DemoPlants plants =
              DemoPlants.start(
                  broker.url(),
                  broker.url(),
                  null,
                  dir.resolve("plants"),
                  Duration.ofSeconds(1),
                  Duration.ZERO,
                  new SigningKey(dir.resolve("signing.key")).publicKeyText(),
                  (site, gateway) -> null)) {
        Drills.step(
            "%d plants polled every second; running normally for %d s", plants.size(), before);
        Thread.sleep(before * 1000L);
        Drills.step("broker stops (stored so far: %d); down for %d s", stored(jdbc), outage);
        broker.stop();
        for (int waited = 0; waited < outage; waited += 60) {
          Thread.sleep(Math.min(60, outage - waited) * 1000L);
          if (outage - waited > 60)
            Drills.step(
                "  %d s into the outage: %d readings polled", waited + 60, plants.readingsPolled());
        }
        long storedAtReturn = stored(jdbc);
        long backlog = plants.readingsPolled() - storedAtReturn;
        long returnedMs = System.currentTimeMillis();
        long back = System.nanoTime();
        broker.resume();
        Drills.step("broker back; about %d readings wait in the gateways' buffers", backlog);
        double liveAfter = -1;
        double firstStored = -1;
        double caughtUp = -1;
        long slack = 2L * plants.size() * PlantGateways.POINTS; // two polls per plant in flight
        while (System.nanoTime() - back < 180_000_000_000L && (liveAfter < 0 || caughtUp < 0)) {
          double t = (System.nanoTime() - back) / 1e9;
          long stored = stored(jdbc);
          if (firstStored < 0 && stored > storedAtReturn) firstStored = t;
          if (liveAfter < 0 && livePlants(jdbc, returnedMs) == plants.size()) liveAfter = t;
          if (caughtUp < 0 && stored >= plants.readingsPolled() - slack) caughtUp = t;
          Thread.sleep(POLL_MS);
        }
        Drills.step(
            liveAfter < 0
                ? "not every plant was live again within 180 s"
                : String.format(
                    "every plant live again %.1f s after the broker returned (a reading polled"
                        + " after the return stored for each)",
                    liveAfter));
        if (caughtUp >= 0) {
          // from the first reading stored after the return (the reconnect delay is not draining),
          // at the resolution of the polling: a rate over less than that would be made up
          double drainSeconds = Math.max(caughtUp - Math.max(firstStored, 0), POLL_MS / 1000.0);
          Drills.step(
              "backlog of %d readings caught up %.2f s after the return, %.2f s after the first"
                  + " of them was stored: at least %.0f readings/s (counted every %d ms); the"
                  + " gateways' ceiling %d × %d batches/s × %d readings = %d/s",
              backlog,
              caughtUp,
              drainSeconds,
              backlog / drainSeconds,
              POLL_MS,
              plants.size(),
              BATCHES_PER_SECOND,
              BATCH_READINGS,
              plants.size() * BATCHES_PER_SECOND * BATCH_READINGS);
        } else {
          Drills.step("backlog not caught up within 180 s");
        }
        plants.pause(); // from here on the plants' count is final
        long polled = plants.readingsPolled();
        long stored = Drills.settled(() -> stored(jdbc), polled, Duration.ofSeconds(120));
        long duplicates = Drills.duplicates(jdbc);
        long lost = Math.max(0, polled - stored);
        if (lost > 0) Drills.explainLoss(server.httpPort(), Drills.adminToken(dir.path()), true);
        System.out.printf(
            "polled=%d stored=%d duplicates=%d lost=%d%n", polled, stored, duplicates, lost);
        boolean liveInTime = liveAfter >= 0 && liveAfter <= LIVE_WITHIN.toSeconds();
        return lost == 0 && duplicates == 0 && stored == polled && liveInTime ? 0 : 1;
      }
    }
  }

  private static long stored(String jdbc) throws Exception {
    return Drills.count(jdbc, "SELECT count(*) FROM readings");
  }

  /** Plants with a reading polled at or after {@code sinceMs} stored. */
  private static long livePlants(String jdbc, long sinceMs) throws Exception {
    return Drills.count(
        jdbc,
        "SELECT count(DISTINCT station_id) FROM readings WHERE ts >= to_timestamp("
            + sinceMs / 1000.0
            + ")");
  }
}

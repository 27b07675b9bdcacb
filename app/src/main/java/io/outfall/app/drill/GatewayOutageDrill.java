package io.outfall.app.drill;

import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The gateway outage drill: a simulated plant, a gateway in its own process, a real broker and
 * ingest with storage. The broker stops; during its outage the gateway is killed with SIGKILL and
 * started again; the broker comes back; the backlog drains. The verdict compares what the plant's
 * analyzers gave out (polls the simulator answered × points per poll) with what the database holds.
 */
@Command(
    name = "gateway-outage",
    mixinStandardHelpOptions = true,
    description = {
      "Stop the broker, SIGKILL and restart the gateway during the outage, restore, and count.",
      "Last line: sent=N stored=N duplicates=N lost=N; exit 0 only when nothing was lost or duplicated."
    })
public final class GatewayOutageDrill implements Callable<Integer> {
  private static final String STATION = "DRILL-OUT";
  private static final int POINTS = PlantGateways.POINTS;

  @Option(names = "--before", defaultValue = "15", description = "seconds of normal running first")
  int before;

  @Option(names = "--outage", defaultValue = "30", description = "seconds the broker is down")
  int outage;

  @Option(
      names = "--after",
      defaultValue = "10",
      description = "seconds of polling after it returns")
  int after;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-gateway");
    int mqttPort = EmbeddedBroker.freePort();
    int modbusPort = EmbeddedBroker.freePort();
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), mqttPort, true)) {
      String jdbc = pg.jdbcUrl("drill");
      Settings settings =
          Drills.ingest(dir.path(), jdbc, broker.url()).with(Setting.ALERTS_ENABLED, false);
      Path config = dir.resolve("gateway.yaml");
      Files.writeString(
          config,
          PlantGateways.config(
              "gw-drill",
              "drill",
              STATION,
              "tcp://127.0.0.1:" + mqttPort,
              modbusPort,
              Duration.ofSeconds(1),
              dir.resolve("gateway")));
      try (IngestServer server = IngestServer.start(settings);
          PlantSimulator plant =
              new PlantSimulator(
                  STATION, new EffluentModel(EffluentModel.Profile.TYPICAL, 11), modbusPort)) {
        Process gateway = startGateway(config, dir.resolve("gateway-1.log"));
        Drills.step("running normally for %d s", before);
        Thread.sleep(before * 1000L);
        Drills.step("broker stops (stored so far: %d)", stored(jdbc));
        broker.stop();
        Thread.sleep(outage * 500L);
        Drills.step("gateway killed with SIGKILL during the outage, then started again");
        gateway.destroyForcibly().waitFor();
        gateway = startGateway(config, dir.resolve("gateway-2.log"));
        Thread.sleep(outage * 500L);
        Drills.step("broker back after %d s", outage);
        broker.resume();
        long back = System.nanoTime();
        long caughtUp = -1;
        while (System.nanoTime() - back < Math.max(after, 1) * 1_000_000_000L || caughtUp < 0) {
          // Caught up: the database is within two polls of what the plant has given out.
          if (caughtUp < 0 && stored(jdbc) >= (plant.pollsAnswered() - 2) * POINTS)
            caughtUp = System.nanoTime() - back;
          if (System.nanoTime() - back > 120_000_000_000L) break;
          Thread.sleep(200);
        }
        Drills.step(
            caughtUp < 0
                ? "backlog not caught up within 120 s"
                : String.format(
                    "backlog caught up %.1f s after the broker returned", caughtUp / 1e9));
        plant.pause(); // from here on the plant's count is final
        long sent = plant.pollsAnswered() * POINTS;
        Drills.step(
            "plant stops answering after %d polls (%d readings); draining", sent / POINTS, sent);
        long stored = Drills.settled(() -> stored(jdbc), sent, Duration.ofSeconds(180));
        gateway.destroy();
        gateway.waitFor();
        long duplicates = Drills.duplicates(jdbc);
        long lost = Math.max(0, sent - stored);
        if (lost > 0) Drills.explainLoss(server.httpPort(), Drills.adminToken(dir.path()), true);
        System.out.printf(
            "sent=%d stored=%d duplicates=%d lost=%d%n", sent, stored, duplicates, lost);
        return lost == 0 && duplicates == 0 && stored == sent ? 0 : 1;
      }
    }
  }

  private static Process startGateway(Path config, Path log) throws Exception {
    return Drills.outfall(List.of("gateway", "--config", config.toString()), Map.of(), log);
  }

  private static long stored(String jdbc) throws Exception {
    return Drills.count(jdbc, Drills.storedFor(STATION));
  }
}

package io.outfall.app.drill;

import io.outfall.app.cli.ApiClient;
import io.outfall.app.cli.ConfigClient;
import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.gateway.Gateway;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The configuration rollout drill: a real broker, ingest and a fleet of real gateways polling a
 * simulated plant. A good configuration goes out with a canary and promotes itself; then one that a
 * canary gateway cannot apply (its own file places the new flow meter at an address where nothing
 * answers), which must halt with the rest of the fleet never sent it, and the canary gateway that
 * did apply it sent back its previous version. The verdict is read from the rollout state in the
 * database (through the API, as an engineer's CLI would) and checked against what each gateway
 * runs.
 */
@Command(
    name = "config-rollout",
    mixinStandardHelpOptions = true,
    description = {
      "Deploy a good configuration to a fleet with a canary, then one a canary gateway cannot apply.",
      "Last line: gateways=N applied=N rolled_back=N halted=true|false; exit 0 only when the good",
      "rollout reached every gateway and the bad one halted and was rolled back where it was tried."
    })
public final class ConfigRolloutDrill implements Callable<Integer> {
  private static final String STATION = "DRILL-CFG-OUT";
  private static final String SITE = "drill-fleet";

  @Option(names = "--gateways", defaultValue = "20", description = "fleet size (default 20)")
  int count;

  @Option(
      names = "--canary",
      defaultValue = "10",
      description = "canary share in percent (default 10; it must hold at least two gateways)")
  int canary;

  @Override
  public Integer call() throws Exception {
    int canaryGateways = (int) Math.ceil(count * canary / 100.0);
    if (canaryGateways < 2)
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "the canary must hold two gateways (one applies, one cannot); it holds "
              + canaryGateways);
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-config");
    int mqttPort = EmbeddedBroker.freePort();
    int modbusPort = EmbeddedBroker.freePort();
    int deadPort = EmbeddedBroker.freePort(); // nothing listens here
    List<Gateway> fleet = new ArrayList<>();
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), mqttPort, true);
        PlantSimulator plant =
            PlantSimulator.serving(
                STATION,
                new EffluentModel(EffluentModel.Profile.TYPICAL, 7),
                modbusPort,
                count * 3);
        IngestServer server =
            IngestServer.start(
                Drills.ingest(dir.path(), pg.jdbcUrl("drill"), broker.url())
                    .with(Setting.ALERTS_ENABLED, false))) {
      try {
        return run(server, fleet, dir.path(), mqttPort, modbusPort, deadPort, canaryGateways);
      } finally {
        for (Gateway g : fleet) g.close(); // before the plant stops answering them
      }
    }
  }

  private int run(
      IngestServer server,
      List<Gateway> fleet,
      Path dir,
      int mqttPort,
      int modbusPort,
      int deadPort,
      int canaryGateways)
      throws Exception {
    ConfigClient api =
        new ConfigClient(
            new ApiClient("http://127.0.0.1:" + server.httpPort(), Drills.adminToken(dir)));
    String key = api.get("/api/config-signing-key").getString("public_key");
    // The second gateway in order is in the canary and cannot reach its new flow meter.
    String unlucky = gatewayId(2);
    for (int i = 1; i <= count; i++) {
      String id = gatewayId(i);
      Files.createDirectories(dir.resolve(id));
      String local =
          PlantGateways.config(
                  id,
                  SITE,
                  STATION,
                  "tcp://127.0.0.1:" + mqttPort,
                  modbusPort,
                  Duration.ofSeconds(2),
                  dir.resolve(id))
              + "remote: {config_key: \""
              + key
              + "\", apply_grace: 5s"
              + (id.equals(unlucky)
                  ? ", device_addresses: {flowmeter: \"127.0.0.1:" + deadPort + "\"}"
                  : "")
              + "}\n";
      fleet.add(Gateway.start(GatewayConfigYaml.parse(local)));
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (api.get("/api/gateways").getJsonArray("gateways").size() < count) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("the fleet never came up");
      Thread.sleep(200);
    }
    Drills.step("%d gateways online; canary %d%% = %d gateways", count, canary, canaryGateways);

    long t0 = System.nanoTime();
    JsonObject good = rollout(api, "drill-good-1", modbusPort, false);
    Drills.step(
        "good configuration: %s in %.1f s",
        ConfigClient.summary(good), (System.nanoTime() - t0) / 1e9);
    long running = fleet.stream().filter(g -> running(g, "drill-good-1")).count();
    Drills.step("gateways running drill-good-1: %d", running);

    t0 = System.nanoTime();
    JsonObject bad = rollout(api, "drill-bad-2", modbusPort, true);
    Drills.step(
        "bad configuration: %s in %.1f s",
        ConfigClient.summary(bad), (System.nanoTime() - t0) / 1e9);
    for (Object o : bad.getJsonArray("gateways")) {
      JsonObject g = (JsonObject) o;
      if (!g.getString("state").equals("skipped"))
        Drills.step(
            "  %s: %s (%s)", g.getString("gateway"), g.getString("state"), g.getString("reason"));
    }
    long stillGood = fleet.stream().filter(g -> running(g, "drill-good-1")).count();
    Drills.step("gateways running drill-good-1 afterwards: %d", stillGood);

    long applied = count(good, "applied");
    long rolledBack = count(bad, "rolled_back");
    boolean halted = bad.getString("state").equals("halted");
    System.out.printf(
        "gateways=%d applied=%d rolled_back=%d halted=%s%n", count, applied, rolledBack, halted);
    boolean ok =
        good.getString("state").equals("completed")
            && applied == count
            && running == count
            && halted
            && rolledBack == canaryGateways // every gateway it was tried on is back
            && count(bad, "skipped") == count - canaryGateways
            && stillGood == count;
    return ok ? 0 : 1;
  }

  /** Stores and deploys a configuration to the whole fleet with a self-promoting canary. */
  private JsonObject rollout(ConfigClient api, String version, int modbusPort, boolean flowmeter)
      throws Exception {
    String full =
        PlantGateways.config(
            "x", "x", STATION, "tcp://x:1", modbusPort, Duration.ofSeconds(2), Path.of("/x"));
    String devices = full.substring(full.indexOf("devices:"));
    String yaml = "version: " + version + "\n" + devices;
    if (flowmeter)
      yaml +=
          "  - name: flowmeter\n    host: 127.0.0.1\n    port: "
              + modbusPort
              + "\n    station: "
              + STATION
              + "\n    period: 2s\n    timeout: 500ms\n    retries: 1\n    points:\n"
              + "      - {parameter: flow_out, unit: "
              + PlantGateways.unit("flow_out")
              + ", register: "
              + 2 * EffluentModel.PARAMETERS.indexOf("flow_out")
              + "}\n";
    JsonObject v = api.store("fleet", yaml, version);
    JsonObject r = api.deploy("fleet", v.getInteger("seq"), "all", canary, true, 60, false);
    Drills.step("deploying %s: rollout %d", version, r.getLong("id"));
    return api.follow(r.getLong("id"), Duration.ofSeconds(180), x -> {});
  }

  private static boolean running(Gateway g, String version) {
    return g.activeConfig().version().equals(version);
  }

  private static long count(JsonObject rollout, String state) {
    return rollout.getJsonObject("counts").getInteger(state, 0);
  }

  private static String gatewayId(int i) {
    return String.format("gw-%02d", i);
  }
}

package io.outfall.app.demo;

import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.gateway.Gateway;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's plants: four Hanoi clusters with different effluent. Each is a plant simulator serving
 * its analyzers over Modbus TCP and a gateway polling it and publishing through the broker, the
 * path a real plant takes; on a fresh data directory each also sends a day of history.
 */
public final class DemoPlants implements AutoCloseable {
  /** Each plant's parts, closed in reverse: a gateway before its simulator. */
  private final List<List<AutoCloseable>> plants;

  private DemoPlants(List<List<AutoCloseable>> plants) {
    this.plants = plants;
  }

  /** The stations of the four plants, one each. */
  public static final List<String> STATIONS =
      List.of("PHUNGHIA-OUT", "VANPHUC-OUT", "BATTRANG-OUT", "PHUNGXA-OUT");

  private List<PlantSimulator> simulators() {
    return plants.stream()
        .flatMap(List::stream)
        .filter(PlantSimulator.class::isInstance)
        .map(PlantSimulator.class::cast)
        .toList();
  }

  /** Readings the plants' analyzers have given out to their gateways so far. */
  public long readingsPolled() {
    return simulators().stream().mapToLong(PlantSimulator::pollsAnswered).sum()
        * PlantGateways.POINTS;
  }

  /** Stops the plants answering polls: from here on {@link #readingsPolled} is final. */
  public void pause() {
    simulators().forEach(PlantSimulator::pause);
  }

  /**
   * @param configKey the server's public key: the demo's gateways accept configurations it signs,
   *     and each places a device named {@code outlet} on its own plant's simulator, so that one
   *     configuration deployed from the engineers' page serves all four plants
   * @param gatewayUrl where the gateways connect (the demo: its TLS listener), {@code brokerUrl}
   *     for the history publishers
   * @param caFile the CA the gateways pin on an {@code ssl://} gateway url, or null
   */
  public static DemoPlants start(
      String brokerUrl,
      String gatewayUrl,
      Path caFile,
      Path stateDir,
      Duration period,
      Duration backfill,
      String configKey,
      BrokerLogins logins)
      throws Exception {
    List<Plant> plants = new ArrayList<>();
    // site, station, flow m3/h, COD, TSS, NH4_N, pH, colour, flaky NH4 analyzer
    plants.add(new Plant("hn-phu-nghia", STATIONS.get(0), EffluentModel.Profile.TYPICAL, 1));
    plants.add(
        new Plant(
            "hn-van-phuc",
            STATIONS.get(1),
            new EffluentModel.Profile(60, 85, 40, 6.0, 7.6, 90, false),
            2));
    plants.add(
        new Plant(
            "hn-bat-trang",
            STATIONS.get(2),
            new EffluentModel.Profile(90, 45, 60, 3.0, 7.0, 20, true),
            3));
    plants.add(
        new Plant(
            "hn-phung-xa",
            STATIONS.get(3),
            new EffluentModel.Profile(120, 60, 45, 5.0, 6.9, 25, false),
            4));
    List<List<AutoCloseable>> started = new ArrayList<>();
    try {
      for (Plant p : plants) {
        List<AutoCloseable> parts = new ArrayList<>();
        started.add(parts);
        EffluentModel model = new EffluentModel(p.profile(), p.seed());
        HistoryPublisher history =
            new HistoryPublisher(brokerUrl, p.site(), p.station(), model, stateDir, logins);
        parts.add(history);
        history.start(backfill);
        int modbusPort = EmbeddedBroker.freePort();
        parts.add(new PlantSimulator(p.station(), model, modbusPort));
        String gateway = p.site() + "-gw1";
        String local =
            PlantGateways.config(
                    gateway,
                    p.site(),
                    p.station(),
                    gatewayUrl,
                    logins.password(p.site(), gateway),
                    caFile,
                    modbusPort,
                    period,
                    stateDir.resolve(gateway))
                + "remote: {config_key: \""
                + configKey
                + "\", apply_grace: 30s, device_addresses: {outlet: \"127.0.0.1:"
                + modbusPort
                + "\"}}\n";
        parts.add(Gateway.start(GatewayConfigYaml.parse(local)));
      }
    } catch (Exception e) {
      new DemoPlants(started).close();
      throw e;
    }
    return new DemoPlants(started);
  }

  private record Plant(String site, String station, EffluentModel.Profile profile, long seed) {}

  public int size() {
    return plants.size();
  }

  /** Stops the plants side by side: each takes a fraction of a second, mostly waiting. */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (List<AutoCloseable> parts : plants) {
      Thread t = new Thread(() -> closeInReverse(parts), "stop-demo-plant");
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeInReverse(List<AutoCloseable> parts) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      try {
        parts.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping the demo plants: " + e);
      }
    }
  }
}

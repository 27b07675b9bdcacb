package io.outfall.ingest.demo;

import io.outfall.gateway.simulator.EffluentModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The demo's plants: four Hanoi clusters with different effluent. */
public final class DemoPlants implements AutoCloseable {
  private final List<SimulatedPlant> plants;

  private DemoPlants(List<SimulatedPlant> plants) {
    this.plants = plants;
  }

  public static DemoPlants start(
      String brokerUrl, Path stateDir, Duration period, Duration backfill) throws Exception {
    List<SimulatedPlant> plants = new ArrayList<>();
    // site, station, flow m3/h, COD, TSS, NH4_N, pH, colour, flaky NH4 analyzer
    plants.add(
        plant(
            brokerUrl,
            stateDir,
            "hn-phu-nghia",
            "PHUNGHIA-OUT",
            new EffluentModel.Profile(160, 55, 35, 4.5, 7.2, 30, false),
            1));
    plants.add(
        plant(
            brokerUrl,
            stateDir,
            "hn-van-phuc",
            "VANPHUC-OUT",
            new EffluentModel.Profile(60, 85, 40, 6.0, 7.6, 90, false),
            2));
    plants.add(
        plant(
            brokerUrl,
            stateDir,
            "hn-bat-trang",
            "BATTRANG-OUT",
            new EffluentModel.Profile(90, 45, 60, 3.0, 7.0, 20, true),
            3));
    plants.add(
        plant(
            brokerUrl,
            stateDir,
            "hn-phung-xa",
            "PHUNGXA-OUT",
            new EffluentModel.Profile(120, 60, 45, 5.0, 6.9, 25, false),
            4));
    for (SimulatedPlant p : plants) p.start(period, backfill);
    return new DemoPlants(plants);
  }

  private static SimulatedPlant plant(
      String url, Path dir, String site, String station, EffluentModel.Profile profile, long seed)
      throws Exception {
    return new SimulatedPlant(url, site, station, new EffluentModel(profile, seed), dir);
  }

  public int size() {
    return plants.size();
  }

  @Override
  public void close() {
    plants.forEach(SimulatedPlant::close);
  }
}

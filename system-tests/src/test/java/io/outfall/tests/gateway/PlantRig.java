package io.outfall.tests.gateway;

import static org.awaitility.Awaitility.await;

import io.outfall.app.demo.PlantGateways;
import io.outfall.app.drill.TcpProxy;
import io.outfall.gateway.Gateway;
import io.outfall.ingest.IngestServer;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a gateway test stands on: a database of its own, an ingest storing into it, a simulated
 * plant serving Modbus TCP, and a link to the test broker that the test can cut or silence.
 */
final class PlantRig implements AutoCloseable {
  final TestServices services;
  final String db;
  final String station;
  final IngestServer server;
  final PlantSimulator plant;
  final TcpProxy link;
  final Path dir;
  final int modbusPort;

  private PlantRig(
      TestServices services,
      String db,
      String station,
      IngestServer server,
      PlantSimulator plant,
      TcpProxy link,
      Path dir,
      int modbusPort) {
    this.services = services;
    this.db = db;
    this.station = station;
    this.server = server;
    this.plant = plant;
    this.link = link;
    this.dir = dir;
    this.modbusPort = modbusPort;
  }

  /**
   * @param name names the database, the ingest's client and the temporary directory
   */
  static PlantRig start(String name, String station) throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase(name);
    URI broker = URI.create(services.mqttUrl());
    int modbusPort = TestServices.freePort();
    Path dir = Files.createTempDirectory("outfall-" + name + "-it");
    // A run that failed before closing leaves this ingest's persistent session on a long-lived
    // broker, with readings queued for it that belong to no database of this run.
    services.dropSession("it-" + name);
    IngestServer server = IngestServer.start(services.ingestSettings(db, name));
    PlantSimulator plant = null;
    try {
      plant =
          new PlantSimulator(
              station, new EffluentModel(EffluentModel.Profile.TYPICAL, 5), modbusPort);
      TcpProxy link = new TcpProxy(broker.getHost(), broker.getPort());
      return new PlantRig(services, db, station, server, plant, link, dir, modbusPort);
    } catch (Exception e) {
      if (plant != null) plant.close();
      server.close();
      throw e;
    }
  }

  /** A gateway configuration for this plant, publishing through the link, polling every period. */
  String gatewayYaml(String gateway, String site, Duration period) {
    return PlantGateways.config(
        gateway, site, station, "tcp://127.0.0.1:" + link.port(), modbusPort, period, dir);
  }

  /**
   * Stops {@code gw}'s polling for good and waits until it has sent everything it polled: the plant
   * stops answering, and once a poll has failed no reading joins the buffer any more, so an empty
   * buffer then means all polled was sent. A gateway polls until it is closed; read its counts
   * after closing it.
   */
  void stopPollingAndDrain(Gateway gw, Duration drain) {
    plant.close();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> gw.status().devices().get(0).consecutiveFailures() > 0);
    await().atMost(drain).until(() -> gw.status().buffered() == 0);
  }

  /** The plant's readings stored in the database. */
  long stored() {
    return Probe.storedReadings(services, db, station);
  }

  @Override
  public void close() throws Exception {
    link.close();
    plant.close();
    server.close();
  }
}

package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.demo.PlantGateways;
import io.outfall.ingest.IngestServer;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The deployable a plant PC gets: {@code java -Xmx64m -jar outfall-gateway.jar --config FILE
 * --status-port P} in its own process, polling the simulator and publishing to the test broker
 * (readings stored by ingest), its local page answering, and {@code status --config FILE}.
 */
class StandaloneGatewayIT {
  @Test
  void theStandaloneJarPollsPublishesAndShowsItsStatus() throws Exception {
    Path jar =
        Path.of(System.getProperty("outfall.gateway.jar", "../gateway/target/outfall-gateway.jar"));
    assertThat(jar).as("built by the gateway module's package phase").exists();
    TestServices services = TestServices.get();
    String db = services.newDatabase("standalone");
    int modbusPort = TestServices.freePort();
    int statusPort = TestServices.freePort();
    Path dir = Files.createTempDirectory("outfall-standalone-it");
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(
        config,
        PlantGateways.config(
            "gw-standalone",
            "it-standalone",
            "SA-OUT",
            services.mqttUrl(),
            modbusPort,
            Duration.ofSeconds(1),
            dir));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 5);
    try (IngestServer server = IngestServer.start(services.ingestSettings(db, "standalone"));
        PlantSimulator plant = new PlantSimulator("SA-OUT", model, modbusPort)) {
      Process gw =
          new ProcessBuilder(
                  java,
                  "-Xmx64m",
                  "-jar",
                  jar.toString(),
                  "--config",
                  config.toString(),
                  "--status-port",
                  String.valueOf(statusPort))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("gateway.log").toFile())
              .start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Probe.storedReadings(services, db, "SA-OUT") >= 27);
        var page = Probe.get(statusPort, "/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Gateway gw-standalone");
        var status = new JsonObject(Probe.get(statusPort, "/status").body());
        assertThat(status.getJsonObject("status").getLong("heap_max_bytes"))
            .isLessThanOrEqualTo(64L << 20);
        Process st =
            new ProcessBuilder(
                    java, "-jar", jar.toString(), "status", "--config", config.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(st.getInputStream().readAllBytes());
        assertThat(st.waitFor()).as(out).isZero();
        assertThat(
                new JsonObject(out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1))
                    .getString("gateway"))
            .isEqualTo("gw-standalone");
      } finally {
        gw.destroy(); // SIGTERM: the shutdown hook closes it cleanly
        assertThat(gw.waitFor(20, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(Files.readString(dir.resolve("gateway.log")))
          .contains("outfall gateway gw-standalone");
      List<String> bad =
          List.of(java, "-jar", jar.toString(), "--config", dir.resolve("missing.yaml").toString());
      Process missing = new ProcessBuilder(bad).redirectErrorStream(true).start();
      String said = new String(missing.getInputStream().readAllBytes());
      assertThat(missing.waitFor()).isNotZero();
      assertThat(said).contains("missing.yaml");
    }
  }
}

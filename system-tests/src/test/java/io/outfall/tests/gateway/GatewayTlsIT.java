package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.gateway.Gateway;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import io.outfall.tests.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/**
 * The gateway's uplink over TLS to a real broker (an embedded HiveMQ with a TLS listener and a
 * certificate made by the JDK's keytool for 127.0.0.1): with the broker's CA in {@code
 * mqtt.ca_file} readings arrive; without it (the JVM's default trust) the gateway refuses the
 * broker and keeps buffering.
 */
class GatewayTlsIT {
  @Test
  void readingsGoOverTlsOnlyToABrokerWhoseCertificateIsTrusted() throws Exception {
    Path dir = Files.createTempDirectory("outfall-tls-it");
    Path keystore = dir.resolve("broker.jks");
    Path ca = dir.resolve("ca.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        keytool,
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "san=ip:127.0.0.1,dns:localhost",
        "-validity",
        "2",
        "-storetype",
        "JKS",
        "-keystore",
        keystore.toString(),
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    run(
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "broker",
        "-keystore",
        keystore.toString(),
        "-storepass",
        "changeit",
        "-file",
        ca.toString());
    int plain = TestServices.freePort();
    int tlsPort = TestServices.freePort();
    int modbusPort = TestServices.freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 5);
    AtomicLong received = new AtomicLong();
    ReadingsCodec codec = new ReadingsCodec();
    try (EmbeddedBroker broker =
            EmbeddedBroker.start(
                dir.resolve("broker"),
                plain,
                false,
                new EmbeddedBroker.Tls(tlsPort, keystore, "changeit"));
        PlantSimulator plant = new PlantSimulator("TLS-OUT", model, modbusPort)) {
      MqttClient sub = new MqttClient(broker.url(), "tls-it-sub", new MemoryPersistence());
      sub.setCallback(
          (MessageCallback)
              (topic, m) -> received.addAndGet(codec.decode(m.getPayload()).readings().size()));
      sub.connect();
      sub.subscribe("outfall/v1/it-tls/+/readings", 1);
      String url = "ssl://127.0.0.1:" + tlsPort;

      // Default trust: the self-made certificate is refused; polling goes on into the buffer.
      try (Gateway untrusting =
          Gateway.start(config("gw-untrusting", url, modbusPort, dir, null))) {
        await().atMost(Duration.ofSeconds(20)).until(() -> untrusting.status().polled() >= 27);
        assertThat(untrusting.status().connected()).isFalse();
        assertThat(untrusting.status().sent()).isZero();
      }
      assertThat(received.get()).isZero();

      // With the broker's CA: connected over TLS, readings arrive.
      try (Gateway trusting = Gateway.start(config("gw-trusting", url, modbusPort, dir, ca))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> trusting.status().sent() >= 27);
        assertThat(trusting.status().connected()).isTrue();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> received.get() >= 27);
      System.out.printf("[tls] readings received over TLS: %d%n", received.get());
      sub.disconnect();
      sub.close();
    }
  }

  private static GatewayConfig config(String gateway, String url, int modbusPort, Path dir, Path ca)
      throws Exception {
    Path own = Files.createDirectories(dir.resolve(gateway));
    String yaml =
        PlantGateways.config(
            gateway, "it-tls", "TLS-OUT", url, modbusPort, Duration.ofSeconds(1), own);
    if (ca != null)
      yaml = yaml.replace("batch_max_delay: 1s}", "batch_max_delay: 1s, ca_file: \"" + ca + "\"}");
    return GatewayConfigYaml.parse(yaml);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("%s: %s", cmd[1], out).isZero();
  }
}

package io.outfall.ingest.embedded;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real MQTT 5 broker in this process (HiveMQ Community Edition, embedded), for the demo and the
 * default test run. Production uses an external broker (Mosquitto, EMQX, HiveMQ) by configuration.
 */
public final class EmbeddedBroker implements AutoCloseable {
  private final EmbeddedHiveMQ hivemq;
  private final int port;

  private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port) {
    this.hivemq = hivemq;
    this.port = port;
  }

  /**
   * @param dir broker state (sessions and queued messages survive a restart when {@code
   *     persistent})
   * @param port TCP listener on 127.0.0.1
   */
  public static EmbeddedBroker start(Path dir, int port, boolean persistent) throws IOException {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Path data = Files.createDirectories(dir.resolve("data"));
    Path extensions = Files.createDirectories(dir.resolve("extensions"));
    // Queues must hold the backlog a stopped ingest leaves behind (the default is 1,000 messages).
    Files.writeString(
        conf.resolve("config.xml"),
        """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
          </listeners>
          <mqtt>
            <queued-messages><max-queue-size>1000000</max-queue-size><strategy>discard</strategy></queued-messages>
            <receive-maximum><server-receive-maximum>1000</server-receive-maximum></receive-maximum>
          </mqtt>
          <persistence><mode>%s</mode></persistence>
          <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
        </hivemq>
        """
            .formatted(port, persistent ? "file" : "in-memory"));
    EmbeddedHiveMQ hivemq =
        EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .build();
    hivemq.start().join();
    return new EmbeddedBroker(hivemq, port);
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    hivemq.stop().join();
    hivemq.close();
  }
}

package io.outfall.app.embedded;

import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.mqtt.services.PublishPollServiceImpl;
import com.hivemq.persistence.clientqueue.ClientQueuePersistenceImpl;
import com.hivemq.persistence.local.memory.ClientQueueMemoryLocalPersistence;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.simulator.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MQTT 5 broker in this process (HiveMQ Community Edition, embedded), for the demo and the
 * default test run. Production uses an external broker (Mosquitto, EMQX, HiveMQ) by configuration.
 */
public final class EmbeddedBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);
  private final Path dir;
  private final int port;
  private final BrokerAccounts access;
  private final BrokerRefusals refusals = new BrokerRefusals();
  private EmbeddedHiveMQ hivemq;

  private EmbeddedBroker(Path dir, int port, BrokerAccounts access) {
    this.dir = dir;
    this.port = port;
    this.access = access;
    this.hivemq = launch(dir, access, refusals);
  }

  /** What the broker refused since it started (all zero without accounts). */
  public BrokerRefusals refusals() {
    return refusals;
  }

  /**
   * @param dir broker state (sessions and queued messages survive a restart when {@code
   *     persistent})
   * @param port TCP listener on 127.0.0.1
   */
  public static EmbeddedBroker start(Path dir, int port, boolean persistent) throws IOException {
    return start(dir, port, persistent, null);
  }

  /**
   * A TLS listener on 127.0.0.1: its port and the broker's key and certificate (JKS), and the CAs
   * whose client certificates it accepts (JKS, same password), or null for none.
   */
  public record Tls(int port, Path keystore, String password, Path truststore) {
    public Tls(int port, Path keystore, String password) {
      this(port, keystore, password, null);
    }
  }

  /**
   * @param tls an additional TLS listener, or null
   */
  public static EmbeddedBroker start(Path dir, int port, boolean persistent, Tls tls)
      throws IOException {
    return start(dir, port, persistent, tls, null);
  }

  /**
   * @param access the accounts clients must log in with ({@link BrokerAccessExtension}); null
   *     leaves the broker open to anonymous clients, as the tests of everything but identity use it
   */
  public static EmbeddedBroker start(
      Path dir, int port, boolean persistent, Tls tls, BrokerAccounts access) throws IOException {
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
            %s
          </listeners>
          <mqtt>
            <queued-messages><max-queue-size>1000000</max-queue-size><strategy>discard</strategy></queued-messages>
            <receive-maximum><server-receive-maximum>1000</server-receive-maximum></receive-maximum>
          </mqtt>
          <persistence><mode>%s</mode></persistence>
          <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
        </hivemq>
        """
            .formatted(
                port, tls == null ? "" : tlsListener(tls), persistent ? "file" : "in-memory"));
    return new EmbeddedBroker(dir, port, access);
  }

  private static String tlsListener(Tls tls) {
    return """
        <tls-tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address>
          <tls><keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore>
          %s</tls>
        </tls-tcp-listener>"""
        .formatted(
            tls.port(),
            tls.keystore().toAbsolutePath(),
            tls.password(),
            tls.password(),
            tls.truststore() == null
                ? "<client-authentication-mode>NONE</client-authentication-mode>"
                : "<truststore><path>%s</path><password>%s</password></truststore>"
                        .formatted(tls.truststore().toAbsolutePath(), tls.password())
                    + "<client-authentication-mode>OPTIONAL</client-authentication-mode>");
  }

  /**
   * The classes of HiveMQ CE that module {@code hivemq-patch} replaces (its pom says why, with the
   * figures):
   *
   * <ul>
   *   <li>the in-memory queues stop searching a shared subscription's queue at the acknowledged
   *       message; HiveMQ's walk the whole queue on every PUBACK, so a backlog drains in time that
   *       grows with the square of its length;
   *   <li>a message added to a shared subscription's queue is offered to its subscribers at once,
   *       and a subscriber is polled while messages are in flight (a sliding window); HiveMQ's send
   *       the next messages only when every message in flight is acknowledged, and the ingest
   *       acknowledges after its commit, so a gateway tick's readings took two commits.
   * </ul>
   */
  static final List<Class<?>> PATCHED_CLASSES =
      List.of(
          ClientQueueMemoryLocalPersistence.class,
          ClientQueuePersistenceImpl.class,
          PublishPollServiceImpl.class);

  /**
   * Whether the broker runs Outfall's copies of the {@link #PATCHED_CLASSES} (module {@code
   * hivemq-patch}). True whenever {@code outfall-hivemq-patch} precedes HiveMQ's jar on the class
   * path, as in every build of Outfall.
   */
  public static boolean queuesPatched() {
    return PATCHED_CLASSES.stream().allMatch(EmbeddedBroker::patched);
  }

  private static boolean patched(Class<?> hiveMqClass) {
    try {
      hiveMqClass.getField("OUTFALL_PATCH");
      return true;
    } catch (NoSuchFieldException e) {
      return false;
    }
  }

  private static EmbeddedHiveMQ launch(Path dir, BrokerAccounts access, BrokerRefusals refusals) {
    for (var hiveMqClass : PATCHED_CLASSES)
      if (!patched(hiveMqClass))
        log.warn(
            "HiveMQ's own {} is first on the class path, not Outfall's copy: shared subscriptions"
                + " drain slower (put outfall-hivemq-patch before HiveMQ's jar)",
            hiveMqClass.getSimpleName());
    var builder =
        EmbeddedHiveMQ.builder()
            .withConfigurationFolder(dir.resolve("conf"))
            .withDataFolder(dir.resolve("data"))
            .withExtensionsFolder(dir.resolve("extensions"));
    if (access != null)
      builder.withEmbeddedExtension(BrokerAccessExtension.embedded(access, refusals));
    EmbeddedHiveMQ hivemq = builder.build();
    hivemq.start().join();
    return hivemq;
  }

  /**
   * A TCP port free now, below the ephemeral range (see {@link
   * io.outfall.simulator.FreePorts#next()}).
   */
  public static int freePort() throws IOException {
    return FreePorts.next();
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Stops serving (an outage); with persistence, sessions and queues stay in its data folder. */
  public synchronized void stop() throws Exception {
    hivemq.stop().join();
    hivemq.close();
  }

  /**
   * Serves again after {@link #stop}, from the same folders. A new broker instance: an embedded
   * HiveMQ CE cannot be started twice (its metrics registry refuses the second start).
   */
  public synchronized void resume() {
    hivemq = launch(dir, access, refusals);
  }

  @Override
  public synchronized void close() throws Exception {
    hivemq.stop().join();
    hivemq.close();
  }
}

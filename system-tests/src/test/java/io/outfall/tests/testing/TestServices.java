package io.outfall.tests.testing;

import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.access.AdminToken;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.protocol.transport.MqttConnect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * The broker and database the integration tests run against: installed services when {@code
 * OUTFALL_TEST_MQTT_URL} and {@code OUTFALL_TEST_DB_URL} are set (CI, see .ci/run), else an
 * embedded HiveMQ and an embedded PostgreSQL started once per test JVM. Each test class gets its
 * own database so that counts are exact.
 */
public final class TestServices {
  private static TestServices instance;

  private final String mqttUrl;
  private final String adminDbUrl;
  private final String dbUser;
  private final String dbPassword;
  private final boolean external;
  private final TestDatabases databases;

  private TestServices(
      String mqttUrl, String adminDbUrl, String dbUser, String dbPassword, boolean external) {
    this.mqttUrl = mqttUrl;
    this.adminDbUrl = adminDbUrl;
    this.dbUser = dbUser;
    this.dbPassword = dbPassword;
    this.external = external;
    this.databases = new TestDatabases(adminDbUrl, dbUser, dbPassword, external);
  }

  public static synchronized TestServices get() throws Exception {
    if (instance == null) {
      String mqtt = System.getenv("OUTFALL_TEST_MQTT_URL");
      String db = System.getenv("OUTFALL_TEST_DB_URL");
      if (mqtt != null && db != null) {
        instance =
            new TestServices(
                brokerOfThisJvm(mqtt),
                db,
                env("OUTFALL_TEST_DB_USER", "postgres"),
                env("OUTFALL_TEST_DB_PASSWORD", ""),
                true);
      } else {
        ScratchDirectory dir = ScratchDirectory.create("outfall-it");
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), freePort(), false);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try {
                        broker.close();
                        pg.close();
                        dir.close();
                      } catch (Exception ignored) {
                        // the JVM is going away
                      }
                    }));
        instance = new TestServices(broker.url(), pg.jdbcUrl("postgres"), "postgres", "", false);
      }
      System.out.println("[test services] " + instance.describe());
    }
    return instance;
  }

  /** Held for the life of this JVM: the lock on the installed broker it uses alone. */
  private static FileChannel brokerClaim;

  /**
   * Test JVMs run side by side ({@code it.forks}); each must have a broker of its own, because
   * every test ingest subscribes to all sites' readings and would store the other JVMs' plants too.
   * With installed services {@code OUTFALL_TEST_MQTT_URL} lists one broker per JVM,
   * comma-separated, and each JVM claims the first one no other holds (an OS file lock, released
   * when the JVM ends).
   */
  private static String brokerOfThisJvm(String urls) throws IOException {
    Path locks = Files.createDirectories(Path.of("target", "it-broker-claims"));
    for (String url : urls.split(",")) {
      URI u = URI.create(url.trim());
      FileChannel ch =
          FileChannel.open(
              locks.resolve(u.getHost() + "-" + u.getPort() + ".lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      if (ch.tryLock() != null) {
        brokerClaim = ch;
        return url.trim();
      }
      ch.close();
    }
    throw new IllegalStateException(
        "every broker in OUTFALL_TEST_MQTT_URL ("
            + urls
            + ") is taken by another test JVM: list one per JVM (see .ci/install-services.sh) or"
            + " run fewer (-Dit.forks=N)");
  }

  public String describe() {
    return (external ? "installed" : "embedded")
        + " broker "
        + mqttUrl
        + ", database "
        + adminDbUrl;
  }

  public boolean external() {
    return external;
  }

  /** True when CI asked for TimescaleDB, so tests can insist that the hypertable path ran. */
  public static boolean timescaleExpected() {
    return "true".equals(System.getenv("OUTFALL_TEST_EXPECT_TIMESCALEDB"));
  }

  public String mqttUrl() {
    return mqttUrl;
  }

  public String dbUser() {
    return dbUser;
  }

  public String dbPassword() {
    return dbPassword;
  }

  /**
   * A new, empty database; returns its JDBC URL. On an installed server it is dropped when this JVM
   * ends ({@link TestDatabases}).
   */
  public String newDatabase(String prefix) throws Exception {
    String name = databases.create(prefix);
    URI admin = URI.create(adminDbUrl.substring("jdbc:".length()));
    return "jdbc:postgresql://" + admin.getHost() + ":" + admin.getPort() + "/" + name;
  }

  /**
   * Server settings for a test ingest on {@code dbUrl}, with its own client id and share group.
   * Stations register themselves with their first reading, as in the demo, unless a test says
   * otherwise.
   */
  public Settings ingestSettings(String dbUrl, String name) {
    return Settings.defaults()
        .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "register")
        .with(Setting.DB_URL, dbUrl)
        .with(Setting.DB_USER, dbUser)
        .with(Setting.DB_PASSWORD, dbPassword)
        .with(Setting.MQTT_URL, mqttUrl)
        .with(Setting.MQTT_CLIENT_ID, "it-" + name)
        .with(Setting.MQTT_SHARED_GROUP, "it-" + name)
        .with(Setting.MQTT_SESSION_EXPIRY_SECONDS, 600)
        .with(Setting.HTTP_HOST, "127.0.0.1")
        .with(Setting.HTTP_PORT, 0)
        .with(Setting.HTTP_ADMIN_TOKEN_FILE, ADMIN_TOKEN_FILE.toString())
        .with(
            Setting.DEPLOY_SIGNING_KEY_FILE,
            Path.of("target", "test-keys", name + "-config-signing.key").toString());
  }

  /** Ends a test ingest's persistent session so the broker stops queueing for it. */
  public void dropSession(String clientId) {
    try {
      MqttClient c = new MqttClient(mqttUrl, clientId, new MemoryPersistence());
      MqttConnectionOptions o = MqttConnect.options(mqttUrl, null, null);
      o.setSessionExpiryInterval(0L);
      c.connect(o);
      c.disconnect();
      c.close();
    } catch (Exception e) {
      System.out.println("[test services] could not drop session " + clientId + ": " + e);
    }
  }

  /** Every test ingest accepts this admin token (http.admin-token-file). */
  public static final Path ADMIN_TOKEN_FILE = Path.of("target", "test-keys", "admin-token");

  /** The admin token every test ingest accepts; {@link Probe} sends it. */
  public static synchronized String adminToken() {
    try {
      return AdminToken.loadOrCreate(ADMIN_TOKEN_FILE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int freePort() throws IOException {
    return EmbeddedBroker.freePort();
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null ? dflt : v;
  }
}

package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.BrokerRefusals;
import io.outfall.app.embedded.BrokerRefusals.Action;
import io.outfall.app.embedded.BrokerRefusals.Reason;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.gateway.Gateway;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.access.MosquittoFiles;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.storage.Database;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestCertificates;
import io.outfall.tests.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Broker identity on both brokers: the embedded HiveMQ with {@link BrokerAccessExtension}, and
 * Debian's Mosquitto (a process of its own) with the files {@code outfall gateways
 * export-mosquitto} writes. The same accounts and the same checks run against each: anonymous and
 * wrong passwords refused, a gateway's publishes on another gateway's topics never delivered, its
 * subscriptions to another gateway's configuration never served, its own traffic flowing.
 */
class BrokerIdentityIT {
  static Database db;
  static BrokerAccounts accounts;
  static String ingestSecret;
  static String gwA;
  static String gwB;
  static Path dir;

  @BeforeAll
  static void accounts() throws Exception {
    TestServices s = TestServices.get();
    String url = s.newDatabase("identity");
    db = Database.open(url, s.dbUser(), s.dbPassword(), 2, Duration.ofSeconds(30));
    accounts = new BrokerAccounts(db.dataSource());
    dir = Files.createTempDirectory("outfall-identity-it");
    // the accounts are made as an operator makes them: with the command line
    settings = dir.resolve("outfall.yaml");
    Files.writeString(
        settings,
        "db: {url: \"%s\", user: \"%s\", password: \"%s\"}\n"
            .formatted(url, s.dbUser(), s.dbPassword()));
    ingestSecret = issue("add-service", "it-ingest");
    gwA = issue("add", "plant-a/gw-1");
    gwB = issue("add", "plant-b/gw-1");
    Cli.Run listed = Cli.run("gateways", "list", "--config", settings.toString());
    assertThat(listed.out()).contains("it-ingest", "plant-a/gw-1", "plant-b/gw-1");
  }

  static Path settings;

  /** {@code outfall gateways ADD ID --password-file F}: the password it wrote. */
  private static String issue(String add, String id) throws Exception {
    Path secret = dir.resolve(id.replace('/', '_') + ".secret");
    Cli.Run r =
        Cli.run(
            "gateways",
            add,
            id,
            "--config",
            settings.toString(),
            "--password-file",
            secret.toString());
    assertThat(r.exit()).as(r.printed()).isZero();
    assertThat(r.out()).doesNotContain(Files.readString(secret).trim()); // never printed
    return Files.readString(secret).trim();
  }

  @AfterAll
  static void close() {
    if (db != null) db.close();
  }

  @Test
  void embeddedBrokerEnforcesEachGatewaysOwnTopics() throws Exception {
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(
            dir.resolve("hivemq"), TestServices.freePort(), false, null, accounts)) {
      checkRules("embedded HiveMQ", broker.url(), broker.url(), broker.refusals());
    }
  }

  @Test
  void mosquittoWithTheExportedFilesEnforcesTheSameRules() throws Exception {
    MosquittoFiles.Listeners at = MosquittoProcess.freeListeners();
    List<Path> files = MosquittoFiles.write(dir.resolve("export"), accounts.all(), at);
    try (MosquittoProcess mosquitto =
        MosquittoProcess.start(dir.resolve("mosquitto"), files.get(2), at)) {
      String broker = "Mosquitto " + mosquitto.version();
      checkRules(broker, mosquitto.url(), mosquitto.serviceUrl(), null);
      // a gateway's password does not open the services' listener, where ids are free
      assertRefused(mosquitto.serviceUrl(), "plant-a/gw-1", gwA);
    }
  }

  /**
   * Mosquitto tells Outfall what it refused and what was taken over: an ingest on the services'
   * listener counts refused logins and takeovers from the log lines the exported configuration has
   * Mosquitto publish ({@code log_dest topic}) in the same metrics as the embedded broker's.
   */
  @Test
  void mosquittoTellsOutfallOfRefusedLoginsAndTakeovers() throws Exception {
    MosquittoFiles.Listeners at = MosquittoProcess.freeListeners();
    List<Path> files = MosquittoFiles.write(dir.resolve("export-log"), accounts.all(), at);
    TestServices services = TestServices.get();
    try (MosquittoProcess mosquitto =
            MosquittoProcess.start(dir.resolve("mosquitto-log"), files.get(2), at);
        IngestServer server =
            IngestServer.start(
                services
                    .ingestSettings(services.newDatabase("identity_log"), "identity-log")
                    .with(Setting.MQTT_URL, mosquitto.serviceUrl())
                    .with(Setting.MQTT_USERNAME, "it-ingest")
                    .with(Setting.MQTT_PASSWORD, ingestSecret)
                    .with(Setting.MQTT_CLIENT_ID, "it-ingest-log"))) {
      int port = server.httpPort();
      String refusedSample =
          "outfall_broker_refused_total{action=\"connect\",reason=\"not_authorised\"}";
      // wrong passwords until the ingest hears of them (its subscription may come after the first)
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                assertRefused(mosquitto.url(), "plant-a/gw-1", "a guess");
                return Probe.metric(port, refusedSample) >= 1;
              });
      Thread.sleep(500);
      double before = Probe.metric(port, refusedSample);
      for (int i = 0; i < 3; i++) assertRefused(mosquitto.url(), "plant-a/gw-1", "guess " + i);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Probe.metric(port, refusedSample) >= before + 3);
      Thread.sleep(1_000);
      double refused = Probe.metric(port, refusedSample) - before;

      // plant A's account connected twice: the second takes the (one) client id over
      String aId = MqttConnect.gatewayClientId("plant-a", "gw-1");
      MqttClient first = connect(mosquitto.url(), aId, "plant-a/gw-1", gwA);
      MqttClient second = connect(mosquitto.url(), aId + "-elsewhere", "plant-a/gw-1", gwA);
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.metric(port, "outfall_broker_takeovers_total") >= 1);
      } finally {
        closeQuietly(first);
        closeQuietly(second);
      }
      System.out.printf(
          "[identity] Mosquitto %s: 3 wrong passwords counted %.0f in Outfall's metrics; one account"
              + " connected twice: takeovers %.0f%n",
          mosquitto.version(), refused, Probe.metric(port, "outfall_broker_takeovers_total"));
      assertThat(refused).isEqualTo(3.0);
      assertThat(Probe.metric(port, "outfall_broker_takeovers_total")).isEqualTo(1.0);
    } finally {
      services.dropSession("it-ingest-log");
    }
  }

  /**
   * The attack of issue 20: a plant holding its own gateway's password connects, again and again,
   * under another plant's client id. The broker must not disconnect the other plant's gateway:
   * HiveMQ refuses the connection (CONNACK 0x85, counted), Mosquitto gives it its own user name as
   * id instead. The victim stays connected throughout and its readings keep arriving.
   */
  @Test
  void noGatewayCanTakeAnothersClientIdOnEitherBroker() throws Exception {
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(
            dir.resolve("hivemq-takeover"), TestServices.freePort(), false, null, accounts)) {
      long before = broker.refusals().count(Action.CONNECT, Reason.CLIENT_ID_NOT_OWNED);
      int attempts = checkTakeover("embedded HiveMQ", broker.url(), broker.url());
      assertThat(broker.refusals().count(Action.CONNECT, Reason.CLIENT_ID_NOT_OWNED) - before)
          .as("refusals counted")
          .isEqualTo(attempts);
    }
    MosquittoFiles.Listeners at = MosquittoProcess.freeListeners();
    List<Path> files = MosquittoFiles.write(dir.resolve("export-takeover"), accounts.all(), at);
    try (MosquittoProcess mosquitto =
        MosquittoProcess.start(dir.resolve("mosquitto-takeover"), files.get(2), at)) {
      checkTakeover("Mosquitto " + mosquitto.version(), mosquitto.url(), mosquitto.serviceUrl());
      assertThat(mosquitto.logText()).doesNotContain("already connected");
    }
  }

  /** Returns the takeover attempts made. */
  private int checkTakeover(String broker, String url, String serviceUrl) throws Exception {
    String aId = MqttConnect.gatewayClientId("plant-a", "gw-1");
    String own = Topics.readings("plant-a", "gw-1");
    Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
    AtomicInteger aDropped = new AtomicInteger();
    MqttClient ingest =
        connect(serviceUrl, "it-ingest-" + System.nanoTime(), "it-ingest", ingestSecret);
    MqttClient a = connect(url, aId, "plant-a/gw-1", gwA);
    a.setCallback(
        new MessageCallback() {
          @Override
          public void messageArrived(String topic, MqttMessage m) {}

          @Override
          public void disconnected(MqttDisconnectResponse r) {
            aDropped.incrementAndGet();
          }
        });
    int attempts = 10;
    int refused = 0;
    int connectedAsItself = 0;
    try {
      ingest.subscribe(
          new MqttSubscription[] {new MqttSubscription(Topics.allReadings(), 1)},
          new IMqttMessageListener[] {
            (t, m) -> heard.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet()
          });
      for (int i = 0; i < attempts; i++) {
        publish(a, own, "before attempt " + i);
        try {
          // plant-b's own, correct password, under plant-a's gateway's client id
          MqttClient b = connect(url, aId, "plant-b/gw-1", gwB);
          connectedAsItself++;
          closeQuietly(b);
        } catch (MqttException e) {
          assertThat(e.getReasonCode()).as("CONNACK reason").isEqualTo(0x85);
          refused++;
        }
        Thread.sleep(100); // a takeover, had it happened, reaches the victim meanwhile
        assertThat(a.isConnected()).as("plant-a's gateway after attempt %d", i).isTrue();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> count(heard, own) >= attempts);
      System.out.printf(
          "[identity] %s: plant-b connected under plant-a's client id %d times: refused=%d,"
              + " connected under its own id instead=%d; plant-a dropped=%d times, its readings"
              + " sent=%d arrived=%d%n",
          broker,
          attempts,
          refused,
          connectedAsItself,
          aDropped.get(),
          attempts,
          count(heard, own));
      assertThat(aDropped.get()).as("plant-a's gateway disconnected").isZero();
      assertThat(count(heard, own)).isEqualTo(attempts);
      assertThat(refused + connectedAsItself).isEqualTo(attempts);
      return refused;
    } finally {
      closeQuietly(a);
      closeQuietly(ingest);
    }
  }

  @Test
  void clientCertificatesLogGatewaysInOnBothBrokers() throws Exception {
    TestCertificates certs = new TestCertificates(dir.resolve("certs"));
    int tlsPort = TestServices.freePort();
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(
            dir.resolve("hivemq-tls"),
            TestServices.freePort(),
            false,
            new EmbeddedBroker.Tls(
                tlsPort, certs.serverKeystore, TestCertificates.PASSWORD, certs.truststore),
            accounts)) {
      checkCertificates("embedded HiveMQ", broker.url(), "ssl://127.0.0.1:" + tlsPort, certs);
    }
    // the certificate listener operations.md describes, as the export writes it
    Path export = dir.resolve("export-tls");
    MosquittoFiles.Listeners plain = MosquittoProcess.freeListeners();
    int mosquittoTls = TestServices.freePort();
    Cli.Run exported =
        Cli.run(
            "gateways",
            "export-mosquitto",
            "--dir",
            export.toString(),
            "--gateway-listener",
            plain.gateways(),
            "--service-listener",
            plain.services(),
            "--certificate-listener",
            mosquittoTls + " 127.0.0.1",
            "--cafile",
            certs.caPem.toString(),
            "--certfile",
            certs.serverPem.toString(),
            "--keyfile",
            certs.serverKeyPem.toString(),
            "--config",
            settings.toString());
    assertThat(exported.exit()).as(exported.printed()).isZero();
    try (MosquittoProcess mosquitto =
        MosquittoProcess.start(
            dir.resolve("mosquitto-tls"), export.resolve(MosquittoFiles.CONF), plain)) {
      checkCertificates(
          "Mosquitto " + mosquitto.version(),
          mosquitto.serviceUrl(),
          "ssl://127.0.0.1:" + mosquittoTls,
          certs);
    }
  }

  /**
   * Over TLS, a gateway with a client certificate whose CN is its user name logs in without a
   * password and gets its own rules; a certificate without an account, or no certificate and no
   * password, gets nothing delivered.
   *
   * @param serviceUrl where the service account logs in
   */
  private void checkCertificates(
      String broker, String serviceUrl, String tlsUrl, TestCertificates certs) throws Exception {
    String n = Long.toString(System.nanoTime());
    Path gwCert = certs.client("gw-a-" + n, "plant-a/gw-1");
    Path stranger = certs.client("stranger-" + n, "plant-x/gw-9");
    String own = Topics.readings("plant-a", "gw-1");
    String other = Topics.readings("plant-b", "gw-1");
    Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
    MqttClient ingest =
        connect(serviceUrl, "it-ingest-" + System.nanoTime(), "it-ingest", ingestSecret);
    String aId = MqttConnect.gatewayClientId("plant-a", "gw-1");
    try {
      ingest.subscribe(
          new MqttSubscription[] {new MqttSubscription(Topics.ROOT + "/#", 1)},
          new IMqttMessageListener[] {
            (t, m) -> heard.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet()
          });
      // no certificate and no password: refused (HiveMQ at CONNECT, Mosquitto at the handshake)
      boolean bareRefused = false;
      try {
        closeQuietly(connectTls(tlsUrl, certs.caPem, null, "bare-" + System.nanoTime()));
      } catch (MqttException e) {
        bareRefused = true;
      }
      // a certificate the CA signed for a name that has no account: nothing it sends arrives
      int strangerSent = 0;
      try {
        MqttClient s = connectTls(tlsUrl, certs.caPem, stranger, "stranger-" + System.nanoTime());
        for (String t : List.of(own, other, Topics.readings("plant-x", "gw-9"))) {
          if (!s.isConnected()) break;
          publish(s, t, "stranger");
          strangerSent++;
        }
        closeQuietly(s);
      } catch (MqttException refused) {
        System.out.println("[identity] " + broker + ": stranger's certificate refused: " + refused);
      }
      // the gateway's certificate: its own topic, not another's
      MqttClient a = connectTls(tlsUrl, certs.caPem, gwCert, aId);
      publish(a, other, "forged with a certificate");
      closeQuietly(a);
      a = connectTls(tlsUrl, certs.caPem, gwCert, aId);
      for (int i = 0; i < 5; i++) publish(a, own, "own " + i);
      closeQuietly(a);
      await().atMost(Duration.ofSeconds(60)).until(() -> count(heard, own) >= 5);
      Thread.sleep(500);
      long manual = count(heard, own);
      // and a real gateway configured with its certificate (mqtt.client_keystore), no password
      int modbus = TestServices.freePort();
      Path gwDir = Files.createDirectories(dir.resolve("gw-cert-" + n));
      String yaml =
          PlantGateways.config(
                  "gw-1", "plant-a", "CERT-OUT", tlsUrl, modbus, Duration.ofSeconds(1), gwDir)
              .replace(
                  "batch_max_delay: 1s}",
                  "batch_max_delay: 1s, ca_file: \"%s\", client_keystore: \"%s\", client_keystore_password: %s}"
                      .formatted(certs.caPem, gwCert, TestCertificates.PASSWORD));
      try (var plant =
              new PlantSimulator(
                  "CERT-OUT", new EffluentModel(EffluentModel.Profile.TYPICAL, 3), modbus);
          var gateway = Gateway.start(GatewayConfigYaml.parse(yaml))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> count(heard, own) > manual);
        assertThat(gateway.status().connected()).isTrue();
      }
      System.out.printf(
          "[identity] %s over TLS: bare client refused=%s; stranger sent=%d arrived=%d; gateway"
              + " by certificate: own arrived=%d (5 by hand, the rest from a gateway), forged sent=1"
              + " arrived=%d%n",
          broker,
          bareRefused,
          strangerSent,
          heard.entrySet().stream()
                  .filter(e -> e.getKey().contains("plant-x"))
                  .mapToInt(e -> e.getValue().get())
                  .sum()
              + 0,
          count(heard, own),
          count(heard, other));
      assertThat(bareRefused).as("a client with neither certificate nor password").isTrue();
      assertThat(count(heard, own)).isGreaterThan(5);
      assertThat(count(heard, other)).isZero();
      assertThat(count(heard, Topics.readings("plant-x", "gw-9"))).isZero();
    } finally {
      closeQuietly(ingest);
    }
  }

  private static MqttClient connectTls(String url, Path caPem, Path clientP12, String clientId)
      throws Exception {
    KeyManager[] keys = null;
    if (clientP12 != null) {
      char[] pw = TestCertificates.PASSWORD.toCharArray();
      var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(KeyStore.getInstance(clientP12.toFile(), pw), pw);
      keys = kmf.getKeyManagers();
    }
    var trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var tls = SSLContext.getInstance("TLS");
    tls.init(keys, tmf.getTrustManagers(), null);
    return open(url, clientId, MqttConnect.options(url, null, null, tls.getSocketFactory()));
  }

  /**
   * @param serviceUrl where the service account logs in (Mosquitto: a listener of its own)
   * @param refusals the embedded broker's counts, or null (Mosquitto logs its refusals instead)
   */
  private void checkRules(String broker, String url, String serviceUrl, BrokerRefusals refusals)
      throws Exception {
    // 1. who may connect
    assertRefused(url, null, null);
    assertRefused(url, "plant-a/gw-1", "not-the-password");
    assertRefused(url, "plant-a/gw-1", gwB);
    assertRefused(url, "nobody", gwA);

    String own = Topics.readings("plant-a", "gw-1");
    String other = Topics.readings("plant-b", "gw-1");
    String ownConfig = Topics.topic("plant-a", "gw-1", Topics.Kind.CONFIG);
    String otherConfig = Topics.topic("plant-b", "gw-1", Topics.Kind.CONFIG);
    Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
    MqttClient ingest =
        connect(serviceUrl, "it-ingest-" + System.nanoTime(), "it-ingest", ingestSecret);
    String aId = MqttConnect.gatewayClientId("plant-a", "gw-1");
    MqttClient a = connect(url, aId, "plant-a/gw-1", gwA);
    long publishesRefused = refused(refusals, Action.PUBLISH);
    long subscriptionsRefused = refused(refusals, Action.SUBSCRIBE);
    try {
      // (MqttClient.subscribe(String[], int[], listeners) recurses forever in Paho 1.2.5)
      ingest.subscribe(
          new MqttSubscription[] {new MqttSubscription(Topics.allReadings(), 1)},
          new IMqttMessageListener[] {
            (t, m) -> heard.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet()
          });
      // the server's configurations, retained as Rollouts publishes them
      ingest.publish(ownConfig, retained("config for a"));
      ingest.publish(otherConfig, retained("config for b"));

      // 2. a gateway publishes: 20 on its own topic, then 20 forged as plant-b's, each forgery on a
      // connection of its own (HiveMQ answers one by closing the connection, Mosquitto by
      // dropping the message), then a marker on its own topic; a connection under its own id
      // replaces the one before it, so the marker goes on a new one
      int sent = 20;
      for (int i = 0; i < sent; i++) publish(a, own, "own " + i);
      closeQuietly(a);
      int forged = 0;
      for (int i = 0; i < sent; i++) {
        MqttClient f = connect(url, aId, "plant-a/gw-1", gwA);
        try {
          publish(f, other, "forged " + i);
          forged++;
        } catch (MqttException refused) {
          forged++; // written to the wire, refused by the broker
          System.out.println("[identity] forged publish refused: " + refused);
        } finally {
          closeQuietly(f);
        }
      }
      // once the marker arrives, anything forged before it would have arrived too
      a = connect(url, aId, "plant-a/gw-1", gwA);
      publish(a, own, "marker");
      int forgedAttempts = forged;
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> count(heard, own) == sent + 1 || count(heard, other) > 0);
      System.out.printf(
          "[identity] %s: own readings sent=%d arrived=%d; forged as plant-b sent=%d arrived=%d%n",
          broker, sent + 1, count(heard, own), forgedAttempts, count(heard, other));
      assertThat(count(heard, other)).as("forged readings delivered").isZero();
      assertThat(count(heard, own)).as("own readings delivered").isEqualTo(sent + 1);

      // 3. a gateway reads configurations: its own, and (refused) plant-b's by name or wildcard
      Map<String, String> got = new ConcurrentHashMap<>();
      a.setCallback(null);
      subscribeQuietly(a, otherConfig, got);
      subscribeQuietly(a, Topics.ROOT + "/+/+/config", got);
      subscribeQuietly(a, ownConfig, got);
      await().atMost(Duration.ofSeconds(30)).until(() -> got.containsKey(ownConfig));
      Thread.sleep(1_000); // a wrongly served retained message would come with the own one
      System.out.printf("[identity] %s: configurations served to plant-a: %s%n", broker, got);
      assertThat(got).containsOnlyKeys(ownConfig);
      assertThat(got.get(ownConfig)).isEqualTo("config for a");
      if (refusals != null) {
        assertThat(refused(refusals, Action.PUBLISH) - publishesRefused)
            .as("forged publishes counted")
            .isEqualTo(forgedAttempts);
        assertThat(refused(refusals, Action.SUBSCRIBE) - subscriptionsRefused)
            .as("other plants' configurations asked for, counted")
            .isEqualTo(2);
      }
    } finally {
      ingest.publish(ownConfig, retained(""));
      ingest.publish(otherConfig, retained(""));
      closeQuietly(a);
      closeQuietly(ingest);
    }
  }

  private static long refused(BrokerRefusals refusals, Action action) {
    return refusals == null ? 0 : refusals.count(action, Reason.TOPIC_NOT_PERMITTED);
  }

  private static long count(Map<String, AtomicInteger> heard, String topic) {
    AtomicInteger n = heard.get(topic);
    return n == null ? 0 : n.get();
  }

  private static MqttMessage retained(String text) {
    MqttMessage m = new MqttMessage(text.getBytes(StandardCharsets.UTF_8), 1, true, null);
    return m;
  }

  private static void publish(MqttClient c, String topic, String text) throws MqttException {
    c.publish(topic, new MqttMessage(text.getBytes(StandardCharsets.UTF_8), 1, false, null));
  }

  private static void subscribeQuietly(MqttClient c, String filter, Map<String, String> got) {
    try {
      var token =
          c.subscribe(
              new MqttSubscription[] {new MqttSubscription(filter, 1)},
              new IMqttMessageListener[] {
                (t, m) -> {
                  if (m.getPayload().length > 0)
                    got.put(t, new String(m.getPayload(), StandardCharsets.UTF_8));
                }
              });
      System.out.println(
          "[identity] subscribe "
              + filter
              + ": reason codes "
              + Arrays.toString(token.getReasonCodes()));
    } catch (MqttException e) {
      System.out.println("[identity] subscribe " + filter + " refused: " + e.getReasonCode());
    }
  }

  private static void assertRefused(String url, String user, String password) {
    assertThatThrownBy(
            () -> closeQuietly(connect(url, "probe-" + System.nanoTime(), user, password)))
        .as("connect as %s", user)
        .isInstanceOf(MqttException.class)
        .satisfies(
            e ->
                assertThat(((MqttException) e).getReasonCode())
                    .as("CONNACK reason for %s", user)
                    .isIn(0x86, 0x87)); // bad user name or password; not authorized
  }

  static MqttClient connect(String url, String clientId, String user, String password)
      throws MqttException {
    return open(url, clientId, MqttConnect.options(url, user, password));
  }

  private static MqttClient open(String url, String clientId, MqttConnectionOptions o)
      throws MqttException {
    MqttClient c = new MqttClient(url, clientId, new MemoryPersistence());
    // a client the broker refused or dropped stays down: these tests count what got through
    o.setAutomaticReconnect(false);
    try {
      c.connect(o);
    } catch (MqttException e) {
      closeQuietly(c);
      throw e;
    }
    return c;
  }

  private static void closeQuietly(MqttClient c) {
    try {
      // Bounded: a plain disconnect waits forever on a connection the broker already dropped.
      // Paho 1.2.5 waits out the whole disconnect timeout even once DISCONNECT is written, so it
      // is short (it was 2 s: 40 s of the Mosquitto check, one forged publish per connection).
      if (c.isConnected()) c.disconnectForcibly(0, 200);
      c.close(true);
    } catch (MqttException ignored) {
      // already gone
    }
  }
}

package io.outfall.app.cli;

import io.outfall.app.demo.DemoPlants;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.LocalCa;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.access.PasswordHash;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.access.SecretFile;
import io.outfall.ingest.access.Users;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.deploy.SigningKey;
import io.outfall.ingest.donre.DonreSettings;
import io.outfall.ingest.registry.Registry;
import io.outfall.ingest.registry.RegistryCsv;
import io.outfall.ingest.storage.Database;
import io.outfall.simulator.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The whole product on its embedded default: broker, database, ingest and simulated plants. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run Outfall with an embedded MQTT broker, an embedded PostgreSQL and simulated plants.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--http-port",
      defaultValue = "8080",
      description = "HTTP port (default: ${DEFAULT-VALUE})")
  int httpPort;

  @Option(
      names = "--mqtt-port",
      defaultValue = "1883",
      description = "MQTT port of the embedded broker (default: ${DEFAULT-VALUE})")
  int mqttPort;

  @Option(
      names = "--mqtts-port",
      defaultValue = "8883",
      description =
          "MQTT over TLS of the embedded broker, with a CA made in the data dir (default: ${DEFAULT-VALUE})")
  int mqttsPort;

  @Option(
      names = "--data-dir",
      defaultValue = ".outfall/demo",
      description =
          "where broker, database and plant state live; survives restarts (default: ${DEFAULT-VALUE})")
  Path dataDir;

  @Option(
      names = "--period",
      defaultValue = "10",
      description = "seconds between a plant's batches (default: ${DEFAULT-VALUE})")
  int periodSeconds;

  @Option(
      names = "--backfill-hours",
      defaultValue = "24",
      description = "history each plant sends on a fresh data dir (default: ${DEFAULT-VALUE})")
  int backfillHours;

  @Override
  public Integer call() throws Exception {
    String taken = portTaken();
    if (taken != null) {
      System.err.println("outfall demo: " + taken);
      return 2;
    }
    Path dir = dataDir.toAbsolutePath();
    System.out.println("outfall demo: data in " + dir);
    // stopped last, by awaitShutdown below: everything else still writes to it while it stops
    EmbeddedDatabase db;
    try {
      db = EmbeddedDatabase.start(dir.resolve("postgres"), 0, false);
    } catch (EmbeddedDatabase.InUse e) {
      System.err.println("outfall demo: " + e.getMessage());
      return 2;
    }
    // Broker accounts live in the database: migrate it first, so the broker can check logins
    // before ingest starts. Each start issues fresh secrets to the demo's own clients.
    Database accountsDb =
        Database.open(db.jdbcUrl("outfall"), "postgres", "", 2, Duration.ofSeconds(60));
    BrokerAccounts accounts = new BrokerAccounts(accountsDb.dataSource());
    String ingestSecret = accounts.issue(BrokerAccount.service("outfall-ingest"));
    // While the demo runs, `outfall users --data-dir DIR` and `outfall gateways --data-dir DIR`
    // reach its database here.
    Path dbUrl = dir.resolve(CliDatabase.DEMO_URL_FILE);
    Files.writeString(dbUrl, db.jdbcUrl("outfall") + "\n");
    // An admin to sign in with: a password made at the first start, shown once, kept (hashed)
    // across restarts; `outfall users reset-password admin --data-dir DIR` makes a new one.
    Users users = new Users(accountsDb.dataSource());
    String adminPassword = null;
    if (users.all().stream().noneMatch(u -> u.username().equals("admin"))) {
      adminPassword = PasswordHash.newSecret().substring(0, 20);
      users.save("admin", adminPassword, Role.ADMIN, Set.of());
      users.audit("demo", "user_save", "admin admin []", "", "ok");
    }
    Path adminToken = dir.resolve("admin-token");
    // TLS as a plant would use it: a private CA made at the first start (tls/ca.pem), its server
    // certificate on the broker's TLS listener, and the demo's gateways pinning that CA
    LocalCa ca =
        new LocalCa(
            dir.resolve("tls"),
            "Outfall demo CA",
            keystorePassword(dir.resolve("tls")),
            825,
            "ip:127.0.0.1",
            "dns:localhost");
    EmbeddedBroker broker =
        EmbeddedBroker.start(
            dir.resolve("broker"),
            mqttPort,
            true,
            new EmbeddedBroker.Tls(mqttsPort, ca.serverKeystore, ca.password),
            accounts);
    String tlsUrl = "ssl://127.0.0.1:" + mqttsPort;
    Settings settings =
        Settings.resolve(null, System.getenv(), Map.of())
            .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "register")
            .with(Setting.DB_URL, db.jdbcUrl("outfall"))
            .with(Setting.DB_USER, "postgres")
            .with(Setting.MQTT_URL, broker.url())
            .with(Setting.MQTT_CLIENT_ID, "outfall-ingest-demo")
            .with(Setting.MQTT_USERNAME, "outfall-ingest")
            .with(Setting.MQTT_PASSWORD, ingestSecret)
            .with(Setting.HTTP_PORT, httpPort)
            .with(Setting.HTTP_ADMIN_TOKEN_FILE, adminToken.toString())
            .with(Setting.ALERTS_PERMITS_DIR, demoPermits(dir.resolve("permits")).toString())
            .with(Setting.DEPLOY_SIGNING_KEY_FILE, dir.resolve("config-signing.key").toString());
    IngestServer server = IngestServer.start(settings);
    broker.refusals().bindTo(server.metrics());
    registerDemoPlants(accountsDb);
    // the same key file the server signs with: created here if this is the first start
    String configKey = new SigningKey(dir.resolve("config-signing.key")).publicKeyText();
    DemoPlants plants =
        DemoPlants.start(
            broker.url(),
            tlsUrl,
            ca.caPem,
            dir.resolve("plants"),
            Duration.ofSeconds(periodSeconds),
            Duration.ofHours(backfillHours),
            configKey,
            (site, gateway) -> accounts.issue(BrokerAccount.gateway(site, gateway)));
    System.out.println();
    System.out.println("  Outfall is running: http://127.0.0.1:" + server.httpPort() + "/");
    System.out.println(
        adminPassword != null
            ? "  sign in: user admin, password "
                + adminPassword
                + "  (shown this once; kept across restarts)"
            : "  sign in: user admin, with the password shown at the first start (lost it?"
                + " ./outfall users reset-password admin --data-dir "
                + dataDir
                + ")");
    System.out.println(
        "  API:     curl -H \"Authorization: Bearer $(cat "
            + adminToken
            + ")\" http://127.0.0.1:"
            + server.httpPort()
            + "/api/stations");
    System.out.println("  health:  http://127.0.0.1:" + server.httpPort() + "/api/health");
    System.out.println(
        "  metrics: http://127.0.0.1:" + server.httpPort() + "/metrics  (admin or scrape token)");
    System.out.println(
        "  alerts:  http://127.0.0.1:"
            + server.httpPort()
            + "/api/alerts  (permits in "
            + dir.resolve("permits")
            + ")");
    System.out.println(
        "  MQTT:    "
            + broker.url()
            + "  ("
            + plants.size()
            + " simulated plants publishing, each with its own account; anonymous clients are"
            + " refused)");
    System.out.println(
        "  MQTTS:   "
            + tlsUrl
            + "  (the gateways connect here, pinning the demo's CA: mqtt.ca_file "
            + ca.caPem
            + ")");
    System.out.println(
        "  configs: http://127.0.0.1:"
            + server.httpPort()
            + "/configs.html  (the gateways accept what this server signs; a device named"
            + " 'outlet' is each plant's analyzers)");
    DonreSettings donre = DonreSettings.of(settings);
    System.out.println(
        donre.transmits()
            ? "  DONRE:   files every "
                + donre.interval().getSeconds()
                + " s to "
                + donre.target()
                + " (plants with a permit; status at /api/stations/CODE/transmission)"
            : "  DONRE:   no files sent to the department; set OUTFALL_DONRE_FTP_URL="
                + "ftp://user:pass@host:port/dir to send them (docs/regulator.md)");
    if (server.donreIntakePort() > 0)
      System.out.println(
          "  loggers: ftp://127.0.0.1:"
              + server.donreIntakePort()
              + " takes department files (log in as a gateway: outfall gateways add SITE/NAME)");
    System.out.println("  Ctrl-C stops; data stays in " + dir);
    System.out.println();
    ServeCommand.awaitShutdown(
        plants, server, broker, accountsDb, () -> Files.deleteIfExists(dbUrl), db);
    return 0;
  }

  /**
   * The password of the demo's keystores, made at the first start and kept beside them (the
   * keystores only guard a demo's private CA; a production deployment uses its own certificates).
   */
  private static String keystorePassword(Path tls) throws IOException {
    return SecretFile.loadOrCreate(
        tls.resolve("keystore-password"), "the demo's keystore password");
  }

  /**
   * Which of the demo's ports another process holds, as a sentence a user can act on, or null.
   * Asked before anything starts: the embedded broker only logs a listener it cannot bind and runs
   * without it, and a demo whose MQTT port was another's waited for health that never came.
   */
  private String portTaken() {
    Map<String, InetSocketAddress> ports = new LinkedHashMap<>();
    ports.put("--http-port", new InetSocketAddress(httpPort)); // every address, as the API binds
    ports.put("--mqtt-port", new InetSocketAddress(InetAddress.getLoopbackAddress(), mqttPort));
    ports.put("--mqtts-port", new InetSocketAddress(InetAddress.getLoopbackAddress(), mqttsPort));
    for (var p : ports.entrySet()) {
      try {
        FreePorts.claimable(p.getValue());
      } catch (IOException e) {
        return "port "
            + p.getValue().getPort()
            + " is in use ("
            + e.getMessage()
            + "): another program holds it, perhaps another demo; choose another with "
            + p.getKey();
      }
    }
    return null;
  }

  /**
   * The demo's clusters, plants and stations, as a province registers them (an upsert: every start
   * puts back what the file says); one craft village has no treatment plant yet, to show how the
   * overview counts it.
   */
  private static void registerDemoPlants(Database db) throws Exception {
    String csv;
    try (var in = DemoCommand.class.getResourceAsStream("/io/outfall/app/demo/registry.csv")) {
      csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Registry registry = new Registry(db.dataSource());
    registry.put(RegistryCsv.parse(csv, Set.of(), Set.of()), "demo");
  }

  /**
   * The demo plants' permits (QCVN 40:2011 column B, coefficients given or derived), written where
   * a user can read and edit them; a changed file becomes a new permit version at the next start.
   */
  private static Path demoPermits(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String station :
        new String[] {"PHUNGHIA-OUT", "VANPHUC-OUT", "BATTRANG-OUT", "PHUNGXA-OUT"}) {
      Path file = dir.resolve(station + ".yaml");
      if (Files.exists(file)) continue;
      try (var in =
          DemoCommand.class.getResourceAsStream(
              "/io/outfall/app/demo/permits/" + station + ".yaml")) {
        Files.copy(in, file);
      }
    }
    return dir;
  }
}

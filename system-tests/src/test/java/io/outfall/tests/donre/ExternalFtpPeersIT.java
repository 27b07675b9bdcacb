package io.outfall.tests.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.transport.TrustedCa;
import io.outfall.tests.testing.TestCertificates;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPSClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Outfall with FTP software it did not write, on both sides of the regulator link, over plain FTP
 * and over FTPS with explicit TLS: Debian's pyftpdlib as the department receives Outfall's files
 * byte for byte as Outfall recorded sending them, and Python's ftplib as a station's logger uploads
 * a file into Outfall's intake, whose lines become readings.
 *
 * <p>Needs {@code python3} with pyftpdlib and pyOpenSSL (Debian's {@code python3-pyftpdlib} and
 * {@code python3-openssl}, which {@code .ci/install-services.sh} installs); without them it is
 * skipped, unless {@code OUTFALL_TEST_REQUIRE_PYFTPDLIB=true} (CI) makes that a failure.
 */
class ExternalFtpPeersIT {
  static final String PYTHON = "/usr/bin/python3";
  static final String SITE = "it-peers";
  static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  static TestServices services;
  static TestCertificates certs;
  static Path scripts;
  final List<AutoCloseable> running = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    boolean present =
        new ProcessBuilder(PYTHON, "-c", "import pyftpdlib, OpenSSL")
                .redirectErrorStream(true)
                .start()
                .waitFor()
            == 0;
    if (!present && Boolean.parseBoolean(System.getenv("OUTFALL_TEST_REQUIRE_PYFTPDLIB")))
      throw new AssertionError(
          "python3-pyftpdlib and python3-openssl are required here"
              + " (OUTFALL_TEST_REQUIRE_PYFTPDLIB=true)");
    assumeTrue(present, "python3 with pyftpdlib and pyOpenSSL is not installed");
    services = TestServices.get();
    Path dir = Files.createTempDirectory("outfall-ftp-peers");
    certs = new TestCertificates(dir.resolve("certs"));
    scripts = dir.resolve("scripts");
    Files.createDirectories(scripts);
    for (String script : List.of("department.py", "logger.py"))
      try (InputStream in = ExternalFtpPeersIT.class.getResourceAsStream("/ftp-peers/" + script)) {
        Files.copy(in, scripts.resolve(script));
      }
  }

  @AfterAll
  static void stop() {
    if (services != null) services.dropSession("it-peers-gw");
  }

  @AfterEach
  void stopPeers() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) running.get(i).close();
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"ftp", "ftps"})
  void pyftpdlibAsTheDepartmentReceivesEachFileAsOutfallSentIt(String scheme) throws Exception {
    boolean tls = scheme.equals("ftps");
    String station = "IT-PEERS-" + scheme.toUpperCase();
    Path inbox = Files.createTempDirectory("outfall-department-" + scheme);
    Python department = department(inbox, tls);
    String db = services.newDatabase("donre_peers");
    Settings settings =
        services
            .ingestSettings(db, "donre-peers-" + scheme)
            .with(
                Setting.DONRE_FTP_URL,
                scheme + "://dept:dept-secret@127.0.0.1:" + department.port() + "/")
            .with(Setting.DONRE_INTERVAL_SECONDS, 2)
            .with(Setting.DONRE_GRACE_SECONDS, 1)
            .with(Setting.DONRE_ZONE, ZONE.getId());
    if (tls) settings = settings.with(Setting.DONRE_FTP_CA_FILE, certs.caPem.toString());
    IngestServer server = IngestServer.start(settings);
    running.add(server);
    TestPublisher gateway = new TestPublisher(services.mqttUrl(), SITE, "it-peers-gw");
    running.add(gateway);

    long seq = 0;
    long until = System.currentTimeMillis() + 60_000;
    boolean switchedOn = false;
    while (files(inbox).size() < 3 && System.currentTimeMillis() < until) {
      long now = System.currentTimeMillis();
      gateway.publish(
          new ReadingsBatch(
              gateway.gateway,
              ++seq,
              now,
              List.of(
                  new Reading(station, "COD", now, 40 + seq % 7, "mg/L", DeviceStatus.MEASURING),
                  new Reading(station, "pH", now, 7.1, "pH", DeviceStatus.MEASURING))));
      if (!switchedOn && seq > 2)
        switchedOn = Transmission.put(server, station, "{\"transmit\": true}").status() == 200;
      Thread.sleep(250);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Transmission.status(server, station).getInteger("backlog") == 0);

    Map<String, String> sent = sentFiles(db, station);
    Map<String, String> arrived = files(inbox);
    System.out.printf(
        "[peers] %s: Outfall sent %d files, pyftpdlib holds %d%n",
        scheme, sent.size(), arrived.size());
    assertThat(sent).hasSizeGreaterThanOrEqualTo(3);
    assertThat(arrived).as("no half file, nothing doubled, byte for byte").isEqualTo(sent);
    department.close();
    // the department's own log: each file stored under a temporary name, then renamed
    assertThat(department.log()).contains(".part completed=1", "RNTO");
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"ftp", "ftps"})
  void ftplibAsALoggerUploadsAFileWhoseLinesBecomeReadings(String scheme) throws Exception {
    boolean tls = scheme.equals("ftps");
    String station = "IT-PEERS-LOGGER-" + scheme.toUpperCase();
    String db = services.newDatabase("donre_peers_intake");
    Settings settings =
        services
            .ingestSettings(db, "donre-peers-intake-" + scheme)
            .with(Setting.DONRE_INTAKE_FTP_PORT, 0)
            .with(Setting.DONRE_INTAKE_HOST, "127.0.0.1")
            .with(
                Setting.DONRE_INTAKE_DIR,
                Files.createTempDirectory("outfall-intake-" + scheme).toString())
            .with(Setting.DONRE_ZONE, ZONE.getId());
    if (tls)
      settings =
          settings
              .with(Setting.DONRE_INTAKE_KEYSTORE, certs.serverKeystore.toString())
              .with(Setting.DONRE_INTAKE_KEYSTORE_PASSWORD, TestCertificates.PASSWORD);
    IngestServer server = IngestServer.start(settings);
    running.add(server);
    String password =
        new BrokerAccounts(server.database().dataSource())
            .issue(BrokerAccount.gateway(SITE, "logger-" + scheme));

    // 10:15:00 local time in the plant, yesterday: 03:15:00 UTC
    LocalDateTime local = LocalDateTime.now(ZONE).minusDays(1).withHour(10).withMinute(15);
    local = local.withSecond(0).withNano(0);
    String t = local.format(TIME);
    Path file = Files.createTempFile("donre", ".txt");
    Files.writeString(
        file, "COD\t38.5\tmg/L\t" + t + "\t00\r\npH\t7.05\tpH\t" + t + "\t01\r\n"); // CRLF
    String name = "HaNoi_" + SITE + "_" + station + "_" + t + ".txt";
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                String.valueOf(server.donreIntakePort()),
                "--user",
                SITE + "/logger-" + scheme,
                "--password=" + password)); // one argument, whatever the secret begins with
    if (tls) args.addAll(List.of("--ca", certs.caPem.toString()));
    args.add(name + "=" + file);
    String out = python("logger.py", args);
    assertThat(out).contains("uploaded 1");

    await().atMost(Duration.ofSeconds(20)).until(() -> readings(db, station).size() == 2);
    long utc = local.atZone(ZONE).toInstant().toEpochMilli();
    assertThat(readings(db, station))
        .containsExactly(
            "COD " + Instant.ofEpochMilli(utc) + " 38.5 mg/L 0",
            "pH " + Instant.ofEpochMilli(utc) + " 7.05 pH 1");
    if (tls) {
      FTPClient plain = new FTPClient();
      plain.connect("127.0.0.1", server.donreIntakePort());
      assertThat(plain.login(SITE + "/logger-" + scheme, password))
          .as("a password in the clear is refused")
          .isFalse();
      assertThat(plain.getReplyString()).contains("AUTH TLS");
      plain.disconnect();
      // and a file is not taken over an unprotected data channel (no PROT P)
      FTPSClient clearData = new FTPSClient(false, TrustedCa.context(certs.caPem, null, null));
      clearData.connect("127.0.0.1", server.donreIntakePort());
      assertThat(clearData.login(SITE + "/logger-" + scheme, password)).isTrue();
      clearData.enterLocalPassiveMode();
      assertThat(clearData.storeFile("x.txt", new ByteArrayInputStream(new byte[] {1})))
          .as("stored over a clear data channel")
          .isFalse();
      assertThat(clearData.getReplyCode()).isEqualTo(521);
      clearData.disconnect();
    }
  }

  /** pyftpdlib serving {@code inbox} to user dept, FTPS when {@code tls}. */
  private Python department(Path inbox, boolean tls) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of("--dir", inbox.toString(), "--user", "dept", "--password", "dept-secret"));
    if (tls)
      args.addAll(
          List.of("--cert", certs.serverPem.toString(), "--key", certs.serverKeyPem.toString()));
    Python p = Python.start(scripts.resolve("department.py"), args);
    running.add(p);
    return p;
  }

  private String python(String script, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, scripts.resolve(script).toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** A Python server process: its port from its first line, its log kept. */
  record Python(Process process, int port, StringBuilder out) implements AutoCloseable {
    static Python start(Path script, List<String> args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
      cmd.addAll(args);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = r.readLine();
      if (first == null || !first.startsWith("port "))
        throw new IllegalStateException(script + " did not start: " + first);
      StringBuilder out = new StringBuilder();
      Thread drain =
          new Thread(
              () -> {
                try {
                  for (String l; (l = r.readLine()) != null; )
                    synchronized (out) {
                      out.append(l).append('\n');
                    }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "it-python-log");
      drain.setDaemon(true);
      drain.start();
      return new Python(p, Integer.parseInt(first.substring(5).trim()), out);
    }

    String log() {
      synchronized (out) {
        return out.toString();
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The files in the department's folder, by name (no temporary ones are expected there). */
  static Map<String, String> files(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : all.toList())
        out.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** What Outfall recorded as sent and confirmed, by file name. */
  static Map<String, String> sentFiles(String db, String station) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (var c = DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
        var ps =
            c.prepareStatement(
                "SELECT o.file_name, o.content FROM donre_outbox o"
                    + " JOIN stations s ON s.id = o.station_id"
                    + " WHERE s.code = ? AND o.sent_at IS NOT NULL")) {
      ps.setString(1, station);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.put(rs.getString(1), new String(rs.getBytes(2), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** "parameter time value unit status" of each stored reading of a station, in order. */
  static TreeSet<String> readings(String db, String station) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    try (var c = DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
        var ps =
            c.prepareStatement(
                "SELECT p.code, r.ts, r.value, p.unit, r.status FROM readings r"
                    + " JOIN stations s ON s.id = r.station_id"
                    + " JOIN parameters p ON p.id = r.parameter_id WHERE s.code = ?")) {
      ps.setString(1, station);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              rs.getString(1)
                  + " "
                  + rs.getTimestamp(2).toInstant()
                  + " "
                  + rs.getDouble(3)
                  + " "
                  + rs.getString(4)
                  + " "
                  + rs.getInt(5));
      }
    }
    return out;
  }
}

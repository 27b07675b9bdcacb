package io.outfall.tests.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The intake where legacy loggers upload the department's files, on a real FTP connection: files
 * one Outfall sends are taken in again by another as the same readings; a logger's login is its
 * gateway's broker account; every bad file is kept with its bytes and its reason, and counted.
 */
// CI runs it on the embedded stack too: the demo's database takes loggers' files as well
@Tag("demo-stack")
class LoggerIntakeIT {
  static final String SITE = "it-logger";
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
  static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");

  static TestServices services;
  static EmbeddedBroker quietBroker;
  static String receiverDb;
  static IngestServer receiver;
  static String loggerPassword;
  static String otherSitePassword;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    // The receiving Outfall has a broker of its own where nothing is published, so that every
    // reading it stores came through its FTP intake.
    quietBroker =
        EmbeddedBroker.start(
            Files.createTempDirectory("outfall-quiet-broker"), TestServices.freePort(), false);
    receiverDb = services.newDatabase("donre_intake");
    receiver =
        IngestServer.start(
            services
                .ingestSettings(receiverDb, "donre-intake")
                .with(Setting.MQTT_URL, quietBroker.url())
                .with(Setting.DONRE_INTAKE_FTP_PORT, 0)
                .with(Setting.DONRE_INTAKE_HOST, "127.0.0.1")
                .with(
                    Setting.DONRE_INTAKE_DIR,
                    Files.createTempDirectory("outfall-intake").toString())
                .with(Setting.DONRE_ZONE, ZONE.getId()));
    BrokerAccounts accounts = new BrokerAccounts(receiver.database().dataSource());
    loggerPassword = accounts.issue(BrokerAccount.gateway(SITE, "logger"));
    otherSitePassword = accounts.issue(BrokerAccount.gateway("it-logger-b", "logger"));
  }

  @AfterAll
  static void stop() throws Exception {
    receiver.close();
    quietBroker.close();
  }

  @Test
  void filesOneOutfallSendsAnotherTakesInAsTheSameReadings() throws Exception {
    String station = "IT-ROUNDTRIP-OUT";
    String senderDb = services.newDatabase("donre_sender");
    Settings sending =
        services
            .ingestSettings(senderDb, "donre-sender")
            .with(
                Setting.DONRE_FTP_URL,
                "ftp://"
                    + URLEncoder.encode(SITE + "/logger", StandardCharsets.UTF_8)
                    + ":"
                    + URLEncoder.encode(loggerPassword, StandardCharsets.UTF_8)
                    + "@127.0.0.1:"
                    + receiver.donreIntakePort()
                    + "/")
            .with(Setting.DONRE_INTERVAL_SECONDS, 2)
            .with(Setting.DONRE_GRACE_SECONDS, 1)
            .with(Setting.DONRE_ZONE, ZONE.getId());
    try (IngestServer sender = IngestServer.start(sending);
        TestPublisher gateway = new TestPublisher(services.mqttUrl(), SITE, "it-roundtrip-gw")) {
      // one reading of each parameter every 2 s, at whole seconds: each interval's last reading
      // is its only one, so the files carry every reading
      long start = (System.currentTimeMillis() / 2000 + 1) * 2000;
      publish(gateway, station, start, 0);
      await().atMost(Duration.ofSeconds(20)).until(() -> Transmission.known(sender, station));
      Transmission.switchOn(sender, station);
      for (int k = 1; k <= 6; k++) {
        while (System.currentTimeMillis() < start + k * 2000L) Thread.sleep(20);
        publish(gateway, station, start, k);
      }
      String sent =
          "SELECT p.code, extract(epoch FROM r.ts) * 1000, r.value, r.status FROM readings r"
              + " JOIN stations s ON s.id = r.station_id JOIN parameters p ON p.id = r.parameter_id"
              + " WHERE s.code = '"
              + station
              + "' AND r.ts >= (SELECT min(interval_start) FROM donre_outbox)"
              + " AND r.ts < (SELECT max(interval_end) FROM donre_outbox WHERE sent_at IS NOT NULL)";
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Probe.count(
                          senderDb,
                          services.dbUser(),
                          services.dbPassword(),
                          "SELECT count(*) FROM donre_outbox WHERE sent_at IS NOT NULL")
                      >= 5);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> rows(receiverDb, station, null).size() == rows(senderDb, station, sent).size());
      TreeSet<String> there = rows(senderDb, station, sent);
      TreeSet<String> here = rows(receiverDb, station, null);
      System.out.printf(
          "[intake] %d readings sent as files, %d taken in%n", there.size(), here.size());
      assertThat(there).hasSizeGreaterThanOrEqualTo(5 * 4);
      assertThat(here).as("values, UTC times and status, parameter by parameter").isEqualTo(there);
    }
  }

  @Test
  void aLoggerLogsInWithItsGatewaysAccountOnly() throws Exception {
    FTPClient ftp = new FTPClient();
    ftp.connect("127.0.0.1", receiver.donreIntakePort());
    assertThat(ftp.login(SITE + "/logger", "not-the-password")).isFalse();
    assertThat(ftp.login("nobody", loggerPassword)).isFalse();
    assertThat(ftp.login(SITE + "/logger", loggerPassword)).isTrue();
    ftp.logout();
    ftp.disconnect();
  }

  @Test
  void everyBadFileIsKeptWithItsBytesItsReasonAndCounted() throws Exception {
    // second 30: the bad files below are named at seconds 01..04, never the good file's name
    String t = LocalDateTime.now(ZONE).minusMinutes(5).withSecond(30).format(TIME);
    String good = "HaNoi_" + SITE + "_IT-INTAKE-OUT_" + t + ".txt";
    // a station of another site, known to the receiver
    upload(
        "it-logger-b/logger",
        otherSitePassword,
        "HaNoi_it-logger-b_IT-INTAKE-B-OUT_" + t + ".txt",
        ("COD\t40\tmg/L\t" + t + "\t00\n").getBytes(StandardCharsets.UTF_8));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> readings(receiverDb, "IT-INTAKE-B-OUT") == 1);

    record Bad(String reason, String name, byte[] bytes, int storedReadings) {}
    List<Bad> bad =
        List.of(
            new Bad("bad_name", "readings.txt", line(t, "COD\t40\tmg/L"), 0),
            new Bad(
                "encoding",
                good.replace(t, t.substring(0, 12) + "01"),
                ("Temp\t28\t°C\t" + t + "\t00\n").getBytes(Charset.forName("ISO-8859-1")),
                0),
            new Bad(
                "malformed",
                good.replace(t, t.substring(0, 12) + "02"),
                ("COD\t40\tmg/L\t" + t + "\t00\nTSS 12 mg/L\n").getBytes(StandardCharsets.UTF_8),
                0),
            new Bad(
                "station_site_mismatch",
                "HaNoi_" + SITE + "_IT-INTAKE-B-OUT_" + t + ".txt",
                line(t, "COD\t41\tmg/L"),
                0),
            new Bad(
                "unknown_parameter",
                good.replace(t, t.substring(0, 12) + "03"),
                ("XYZ\t1\tmg/L\t" + t + "\t00\nCOD\t42\tmg/L\t" + t + "\t00\n")
                    .getBytes(StandardCharsets.UTF_8),
                1),
            new Bad(
                "unit_mismatch",
                good.replace(t, t.substring(0, 12) + "04"),
                ("pH\t7\tpH\t" + t + "\t00\nCOD\t0.04\tg/L\t" + t + "\t00\n")
                    .getBytes(StandardCharsets.UTF_8),
                1));
    for (Bad b : bad) {
      double before = quarantined(b.reason());
      upload(SITE + "/logger", loggerPassword, b.name(), b.bytes());
      JsonObject kept =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> quarantine(b.name()),
                  k -> k != null && k.getInteger("readings_stored") == b.storedReadings());
      System.out.printf(
          "[intake] %s: %s (%s)%n", b.name(), kept.getString("reason"), kept.getString("detail"));
      assertThat(kept.getString("reason")).isEqualTo(b.reason());
      assertThat(kept.getInteger("bytes")).isEqualTo(b.bytes().length);
      assertThat(file(kept.getLong("id"))).as("the kept bytes").isEqualTo(b.bytes());
      assertThat(quarantined(b.reason())).isEqualTo(before + 1);
    }
    // the good lines of a partly bad file were stored: COD 42 and pH 7
    assertThat(readings(receiverDb, "IT-INTAKE-OUT")).isEqualTo(2);
    assertThat(readings(receiverDb, "IT-INTAKE-B-OUT"))
        .as("not written by another site")
        .isEqualTo(1);

    // a good file, twice: stored once
    byte[] twice = line(t.substring(0, 12) + "05", "TSS\t12.5\tmg/L");
    upload(SITE + "/logger", loggerPassword, good, twice);
    upload(SITE + "/logger", loggerPassword, good, twice);
    await().atMost(Duration.ofSeconds(10)).until(() -> readings(receiverDb, "IT-INTAKE-OUT") == 3);
    Thread.sleep(1_000);
    assertThat(readings(receiverDb, "IT-INTAKE-OUT")).isEqualTo(3);
    assertThat(quarantine(good)).as("not quarantined").isNull();
    assertThat(
            Probe.metric(
                receiver.httpPort(), "outfall_donre_files_received_total{outcome=\"stored\"}"))
        .isGreaterThanOrEqualTo(3);
  }

  static byte[] line(String time, String fields) {
    return (fields + "\t" + time + "\t00\n").getBytes(StandardCharsets.UTF_8);
  }

  static void upload(String user, String password, String name, byte[] bytes) throws IOException {
    FTPClient ftp = new FTPClient();
    ftp.connect("127.0.0.1", receiver.donreIntakePort());
    assertThat(ftp.login(user, password)).as("login of " + user).isTrue();
    ftp.enterLocalPassiveMode();
    ftp.setFileType(FTP.BINARY_FILE_TYPE);
    assertThat(ftp.storeFile(name, new ByteArrayInputStream(bytes)))
        .as(ftp.getReplyString())
        .isTrue();
    ftp.logout();
    ftp.disconnect();
  }

  static JsonObject quarantine(String name) {
    JsonArray items =
        new JsonObject(Probe.get(receiver.httpPort(), "/api/donre/quarantine?limit=1000").body())
            .getJsonArray("items");
    for (Object o : items)
      if (((JsonObject) o).getString("file").equals(name)) return (JsonObject) o;
    return null;
  }

  static byte[] file(long id) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                Probe.request(
                        URI.create(
                            "http://127.0.0.1:"
                                + receiver.httpPort()
                                + "/api/donre/quarantine/"
                                + id
                                + "/file"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  static double quarantined(String reason) {
    try {
      return Probe.metric(
          receiver.httpPort(), "outfall_donre_files_quarantined_total{reason=\"" + reason + "\"}");
    } catch (IllegalStateException none) {
      return 0; // not counted yet
    }
  }

  static long readings(String db, String station) {
    return Probe.count(
        db,
        services.dbUser(),
        services.dbPassword(),
        "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + station
            + "'");
  }

  static void publish(TestPublisher gateway, String station, long start, int k) throws Exception {
    long ts = start + k * 2000L;
    DeviceStatus status =
        k == 3 ? DeviceStatus.CALIBRATING : k == 4 ? DeviceStatus.FAULT : DeviceStatus.MEASURING;
    List<Reading> r = new ArrayList<>();
    r.add(new Reading(station, "COD", ts, 40.25 + k, "mg/L", status));
    r.add(new Reading(station, "pH", ts, 7.1, "pH", DeviceStatus.MEASURING));
    r.add(new Reading(station, "temperature", ts, 28.5 - k * 0.1, "degC", DeviceStatus.MEASURING));
    r.add(new Reading(station, "NH4_N", ts, 0.000015 * (k + 1), "mg/L", status));
    gateway.publish(new ReadingsBatch(gateway.gateway, k + 1, System.currentTimeMillis(), r));
  }

  /** The station's readings as parameter, UTC ms, value and status. */
  static TreeSet<String> rows(String db, String station, String sql) throws Exception {
    String q =
        sql != null
            ? sql
            : "SELECT p.code, extract(epoch FROM r.ts) * 1000, r.value, r.status FROM readings r"
                + " JOIN stations s ON s.id = r.station_id JOIN parameters p ON p.id = r.parameter_id"
                + " WHERE s.code = '"
                + station
                + "'";
    TreeSet<String> out = new TreeSet<>();
    try (var c = DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
        var st = c.createStatement();
        var rs = st.executeQuery(q)) {
      while (rs.next())
        out.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getDouble(3) + " " + rs.getInt(4));
    }
    return out;
  }
}

package io.outfall.tests.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.embedded.EmbeddedFtpServer;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.donre.FileNames;
import io.outfall.ingest.donre.Intervals;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The files for the environment department, against a real FTP server (Apache FtpServer as the
 * department): one per interval with readings, in order and once through an outage; corrections for
 * readings that come after their file; files for intervals whose readings came late; what the
 * status and export answer.
 */
class RegulatorLinkIT {
  static final String SITE = "it-donre";
  static final String STATION = "IT-DONRE-OUT";
  static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
  static final Intervals INTERVALS = new Intervals(Duration.ofSeconds(2), ZONE);
  static final FileNames NAMES = new FileNames(FileNames.DEFAULT, "HaNoi");

  static TestServices services;
  static String db;
  static EmbeddedFtpServer department;
  static IngestServer server;
  static TestPublisher gateway;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    db = services.newDatabase("donre");
    department =
        EmbeddedFtpServer.start(
            Files.createTempDirectory("outfall-department"),
            TestServices.freePort(),
            "donre",
            "it-secret");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "donre")
                .with(Setting.DONRE_FTP_URL, department.url())
                .with(Setting.DONRE_INTERVAL_SECONDS, 2)
                .with(Setting.DONRE_GRACE_SECONDS, 1)
                .with(Setting.DONRE_ZONE, ZONE.getId()));
    gateway = new TestPublisher(services.mqttUrl(), SITE, "it-donre-gw");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    department.close();
    services.dropSession("it-donre");
  }

  @Test
  void everyIntervalWithReadingsArrivesOnceAndInOrderThroughAnOutage() throws Exception {
    AtomicBoolean plant = new AtomicBoolean(true);
    Thread flow = readingsEveryQuarterSecond(STATION, plant);
    await().atMost(Duration.ofSeconds(20)).until(() -> stationKnown(STATION));
    switchOn(STATION);
    await().atMost(Duration.ofSeconds(20)).until(() -> department.arrivals().size() >= 3);

    department.stop();
    Thread.sleep(8_000); // four intervals due while nobody answers
    JsonObject during = status(STATION);
    assertThat(during.getInteger("backlog")).isGreaterThanOrEqualTo(3);
    assertThat(during.getString("last_error")).isNotBlank();
    department.resume();
    Thread.sleep(3_000);
    plant.set(false);
    flow.join();
    Instant lastEnd = INTERVALS.endOf(INTERVALS.startOf(Instant.now()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              JsonObject s = status(STATION);
              return s.getInteger("backlog") == 0
                  && s.getJsonObject("last_sent") != null
                  && !Instant.parse(s.getJsonObject("last_sent").getString("interval_end"))
                      .isBefore(lastEnd);
            });

    List<String> arrived = regular(department.arrivals(), STATION);
    TreeSet<String> expected = expectedNames(STATION, lastEnd);
    System.out.printf(
        "[donre] intervals=%d arrived=%d distinct=%d in order=%s%n",
        expected.size(),
        arrived.size(),
        new LinkedHashSet<>(arrived).size(),
        arrived.equals(arrived.stream().sorted().toList()));
    assertThat(arrived).as("each once").doesNotHaveDuplicates();
    assertThat(arrived).as("oldest first").isSorted();
    assertThat(arrived).containsExactlyElementsOf(expected);
    // what arrived is what the department reads: one line per parameter, its last reading
    String last = Files.readString(department.dir().resolve(arrived.get(arrived.size() - 1)));
    assertThat(last.lines().map(l -> l.split("\t")[0]))
        .containsExactlyInAnyOrder("COD", "pH", "Flow");
    assertThat(last).doesNotContain("energy").doesNotContain("\r");
  }

  /** A plant that reports, is switched on, sees three of its files at the department, and stops. */
  private void transmitThreeFilesAndFallSilent(String station) throws Exception {
    AtomicBoolean plant = new AtomicBoolean(true);
    Thread flow = readingsEveryQuarterSecond(station, plant);
    await().atMost(Duration.ofSeconds(20)).until(() -> stationKnown(station));
    switchOn(station);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> regular(department.arrivals(), station).size() >= 3);
    plant.set(false);
    flow.join();
  }

  @Test
  void aReadingAfterItsFileWentGoesOutAsACorrectionAndAGapAsItsOwnFile() throws Exception {
    String station = "IT-DONRE-LATE";
    transmitThreeFilesAndFallSilent(station);
    // the plant stays quiet for four intervals, then its gateway sends what it buffered
    Instant gapStart = INTERVALS.endOf(INTERVALS.startOf(Instant.now()));
    Thread.sleep(9_000);
    List<Reading> backlog = new ArrayList<>();
    for (long t = gapStart.toEpochMilli(); t < gapStart.toEpochMilli() + 6_000; t += 1_000)
      backlog.add(new Reading(station, "COD", t, 77, "mg/L", DeviceStatus.MEASURING));
    // and a TSS reading for an interval whose file went already: a correction
    String firstSent = regular(department.arrivals(), station).get(0);
    Instant sentIntervalStart = intervalStartOf(firstSent, station);
    backlog.add(
        new Reading(
            station,
            "TSS",
            sentIntervalStart.toEpochMilli() + 500,
            33.5,
            "mg/L",
            DeviceStatus.CALIBRATING));
    gateway.publish(new ReadingsBatch(gateway.gateway, 9_000, System.currentTimeMillis(), backlog));

    List<String> gapFiles = new ArrayList<>();
    for (long t = gapStart.toEpochMilli(); t < gapStart.toEpochMilli() + 6_000; t += 2_000)
      gapFiles.add(
          NAMES.name(SITE, station, INTERVALS.local(INTERVALS.endOf(Instant.ofEpochMilli(t)))));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                department.arrivals().containsAll(gapFiles)
                    && corrections(department.arrivals(), station).size() == 1);
    String correction = corrections(department.arrivals(), station).get(0);
    String text = Files.readString(department.dir().resolve(correction));
    System.out.printf("[donre] correction %s:%n%s", correction, text);
    assertThat(text)
        .contains(
            "TSS\t33.5\tmg/L\t"
                + INTERVALS.local(sentIntervalStart.plusMillis(500)).format(TIME)
                + "\t01");
    assertThat(text.lines()).as("the whole interval again").anyMatch(l -> l.startsWith("COD\t"));
    for (String f : gapFiles)
      assertThat(Files.readString(department.dir().resolve(f))).startsWith("COD\t77\tmg/L\t");
    assertThat(department.arrivals()).doesNotHaveDuplicates();
  }

  @Test
  void anExportIsTheFilesOfARangeAsTheyWereSent() throws Exception {
    String station = "IT-DONRE-EXPORT";
    transmitThreeFilesAndFallSilent(station);
    List<String> sent = regular(department.arrivals(), station).subList(0, 3);
    Instant from = intervalStartOf(sent.get(0), station);
    Instant to = intervalStartOf(sent.get(2), station).plusSeconds(2);
    HttpResponse<byte[]> zip =
        HttpClient.newHttpClient()
            .send(
                Probe.request(
                        URI.create(
                            "http://127.0.0.1:"
                                + server.httpPort()
                                + "/api/export/donre?station="
                                + station
                                + "&from="
                                + from.toEpochMilli()
                                + "&to="
                                + to.toEpochMilli()))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(zip.statusCode()).isEqualTo(200);
    assertThat(zip.headers().firstValue("content-type")).contains("application/zip");
    Map<String, String> files = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; )
        files.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(files.keySet()).containsExactlyInAnyOrderElementsOf(sent);
    for (String name : sent)
      assertThat(files.get(name)).isEqualTo(Files.readString(department.dir().resolve(name)));

    // the same from the command line, with local times of the plant
    Path token = Files.createTempFile("it-token", "");
    Files.writeString(token, TestServices.adminToken());
    Path out = Files.createTempDirectory("it-export").resolve("export.zip");
    Cli.Run cli =
        Cli.run(
            "export",
            "donre",
            "--station",
            station,
            "--from",
            from.atZone(ZONE).toLocalDateTime().toString(),
            "--to",
            to.atZone(ZONE).toOffsetDateTime().toString(),
            "--out",
            out.toString(),
            "--server",
            "http://127.0.0.1:" + server.httpPort(),
            "--token-file",
            token.toString());
    assertThat(cli.exit()).as(cli.printed()).isZero();
    assertThat(cli.out()).contains(out + ": 3 files of " + station);
    assertThat(Files.readAllBytes(out)).as("the same range, the same bytes").isEqualTo(zip.body());
    Cli.Run refused =
        Cli.run(
            "export",
            "donre",
            "--station",
            "NO-SUCH-STATION",
            "--from",
            // relative to today: to the default --to (now) a fixed date grows past the 31-day cap
            LocalDate.now(ZONE).minusDays(1).toString(),
            "--out",
            out.resolveSibling("none.zip").toString(),
            "--server",
            "http://127.0.0.1:" + server.httpPort(),
            "--token-file",
            token.toString());
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("unknown station 'NO-SUCH-STATION'");
    assertThat(out.resolveSibling("none.zip")).doesNotExist();
    assertThat(Cli.run("export", "donre", "--station", station, "--from", "yesterday").err())
        .contains("--from: a date (2026-11-29)");
    assertThat(
            Probe.get(server.httpPort(), "/api/export/donre?station=" + station + "&from=0&to=1")
                .status())
        .as("a range with no readings is an empty zip")
        .isEqualTo(200);
    assertThat(
            Probe.get(
                    server.httpPort(),
                    "/api/export/donre?station=" + station + "&from=0&to=" + Long.MAX_VALUE / 2)
                .body())
        .contains("at most 31 days");
  }

  @Test
  void aStationWithoutPermitOrSwitchSendsNothingAndSaysSo() throws Exception {
    String station = "IT-DONRE-OFF";
    gateway.publish(
        new ReadingsBatch(
            gateway.gateway,
            1,
            System.currentTimeMillis(),
            List.of(
                new Reading(
                    station,
                    "COD",
                    System.currentTimeMillis(),
                    40,
                    "mg/L",
                    DeviceStatus.MEASURING))));
    await().atMost(Duration.ofSeconds(20)).until(() -> stationKnown(station));
    Thread.sleep(5_000);
    JsonObject s = status(station);
    assertThat(s.getBoolean("transmits")).isFalse();
    assertThat(s.getBoolean("has_permit")).isFalse();
    assertThat(s.getValue("switch")).isNull();
    assertThat(regular(department.arrivals(), station)).isEmpty();
    assertThat(Transmission.put(server, station, "{\"transmit\": \"yes\"}").body())
        .contains("transmit: true, false or null is required");
  }

  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  /** Names of the regular files of a station: their time is an interval boundary. */
  static List<String> regular(List<String> names, String station) {
    return names.stream()
        .filter(n -> n.contains("_" + station + "_"))
        .filter(n -> INTERVALS.isBoundary(timeOf(n, station)))
        .toList();
  }

  static List<String> corrections(List<String> names, String station) {
    return names.stream()
        .filter(n -> n.contains("_" + station + "_"))
        .filter(n -> !INTERVALS.isBoundary(timeOf(n, station)))
        .toList();
  }

  static Instant timeOf(String name, String station) {
    return INTERVALS.instant(NAMES.parse(name, SITE).orElseThrow().time());
  }

  static Instant intervalStartOf(String regularName, String station) {
    return timeOf(regularName, station).minusSeconds(2);
  }

  /** A file for every interval the station has readings in, from its first file to lastEnd. */
  static TreeSet<String> expectedNames(String station, Instant lastEnd) {
    TreeSet<String> out = new TreeSet<>();
    String first = regular(department.arrivals(), station).get(0);
    for (Instant t = timeOf(first, station); !t.isAfter(lastEnd); t = t.plusSeconds(2))
      out.add(NAMES.name(SITE, station, INTERVALS.local(t)));
    return out;
  }

  static Thread readingsEveryQuarterSecond(String station, AtomicBoolean running) {
    Thread t =
        new Thread(
            () -> {
              long seq = 0;
              while (running.get()) {
                long now = System.currentTimeMillis();
                try {
                  gateway.publish(
                      new ReadingsBatch(
                          gateway.gateway,
                          ++seq,
                          now,
                          List.of(
                              new Reading(
                                  station, "COD", now, 45.5, "mg/L", DeviceStatus.MEASURING),
                              new Reading(station, "pH", now, 7.2, "pH", DeviceStatus.MEASURING),
                              new Reading(
                                  station, "flow_out", now, 52, "m3/h", DeviceStatus.MEASURING),
                              new Reading(
                                  station, "energy", now, 1000, "kWh", DeviceStatus.MEASURING))));
                  Thread.sleep(250);
                } catch (Exception e) {
                  return;
                }
              }
            },
            "it-plant-" + station);
    t.start();
    return t;
  }

  static boolean stationKnown(String station) {
    return Transmission.known(server, station);
  }

  static void switchOn(String station) {
    Transmission.switchOn(server, station);
  }

  static JsonObject status(String station) {
    return Transmission.status(server, station);
  }
}

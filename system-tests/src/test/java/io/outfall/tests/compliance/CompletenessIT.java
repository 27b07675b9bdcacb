package io.outfall.tests.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.intake.AggregateFollower;
import io.outfall.ingest.registry.SamplingPlans;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.OverviewJson;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One figure of completeness wherever it is shown. Two stations report COD every five minutes for
 * the last three hours and more; one of them misses 40 minutes of the hour {@code H}: 4 of its 12
 * five-minute slots hold a reading. The live alert, the overview, the report (API and page) and
 * {@code outfall check} on the same readings must all say 100 % for the first and 4 of 12 (33.3 %)
 * for the second's hour H. No sampling plan is registered: the interval is the one each station's
 * own readings show.
 */
class CompletenessIT {
  static final String FULL = "IT-CMP-FULL";
  static final String GAP = "IT-CMP-GAP";
  static final long FIVE_MINUTES = 300_000;
  static final String PERMIT =
      "standard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD]\n";

  static TestServices services;
  static IngestServer server;
  static TestPublisher gateway;
  static Path dir;

  /** The first whole hour of history; H is the one after it, the gap's hour. */
  static Instant start;

  static Instant hourH;

  @BeforeAll
  static void publish() throws Exception {
    services = TestServices.get();
    dir = Files.createTempDirectory("outfall-completeness");
    String db = services.newDatabase("completeness");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "completeness")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
    gateway = new TestPublisher(services.mqttUrl(), "it-cmp", "it-cmp-gw");
    for (String station : List.of(FULL, GAP)) {
      var put = send("PUT", "/api/permits/" + station, "station: " + station + "\n" + PERMIT);
      assertThat(put.status()).as(put.body()).isEqualTo(200);
    }
    Instant now = Instant.now();
    start = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    hourH = start.plus(Duration.ofHours(1));
    List<Reading> full = readings(FULL, start, now, false);
    List<Reading> gap = readings(GAP, start, now, true);
    publish(full);
    publish(gap);
    int total = full.size() + gap.size();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.metric(server.httpPort(), "outfall_readings_stored_total") >= total);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    services.dropSession("it-completeness");
  }

  /** A reading at the start of every five-minute slot in [from, to), but H+10..H+45 if gapped. */
  static List<Reading> readings(String station, Instant from, Instant to, boolean gapped) {
    List<Reading> out = new ArrayList<>();
    long gapFrom = hourH.toEpochMilli() + 2 * FIVE_MINUTES;
    long gapTo = hourH.toEpochMilli() + 10 * FIVE_MINUTES;
    int i = 0;
    for (long t = from.toEpochMilli(); t <= to.toEpochMilli(); t += FIVE_MINUTES, i++) {
      if (gapped && t >= gapFrom && t < gapTo) continue; // 40 minutes: 8 slots
      out.add(new Reading(station, "COD", t, 50 + i % 7, "mg/L", DeviceStatus.MEASURING));
    }
    return out;
  }

  @Test
  void aStationWithNoGapsIsCompleteEverywhereAndRaisesNoAlert() throws Exception {
    Instant end = start.plus(Duration.ofHours(3)); // three closed hours
    // the live alert: none. The engine judges in the order readings were stored, and this
    // station's were stored before the gapped one's, whose hour H has been judged once its alert
    // is there.
    await().atMost(Duration.ofSeconds(30)).until(() -> lowCompleteness(GAP).size() == 1);
    assertThat(lowCompleteness(FULL)).isEmpty();
    // the report over the three hours
    JsonObject report = report(FULL, start, end);
    assertThat(report.getDouble("completeness")).isEqualTo(1.0);
    JsonObject cod = report.getJsonArray("parameters").getJsonObject(0);
    assertThat(cod.getLong("expected_slots")).isEqualTo(36);
    assertThat(cod.getLong("filled_slots")).isEqualTo(36);
    assertThat(cod.getLong("slot_minutes")).isEqualTo(5);
    // outfall check on the same three hours
    JsonNode check = check(FULL, start, end);
    assertThat(check.at("/completeness/COD/share").asDouble()).isEqualTo(1.0);
    assertThat(check.at("/completeness/COD/expected_slots").asLong()).isEqualTo(36);
    // the overview's 24 hours and 30 days: from the first reading's hour to now, every slot that
    // has ended holds a reading (the reading of the slot now going on is sent first, as a gateway
    // would, in case a slot ended since the history was published)
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              long slot = System.currentTimeMillis() / FIVE_MINUTES * FIVE_MINUTES;
              publish(
                  readings(FULL, Instant.ofEpochMilli(slot), Instant.ofEpochMilli(slot), false));
              Thread.sleep(500);
              JsonObject s = overviewStation(FULL);
              assertThat(s.getDouble("completeness_24h")).isEqualTo(1.0);
              assertThat(s.getDouble("completeness_30d")).isEqualTo(1.0);
            });
  }

  @Test
  void aFortyMinuteGapIsTheSameFigureInTheAlertThePageTheReportAndTheCheck() throws Exception {
    Instant afterH = hourH.plus(Duration.ofHours(1));
    // the alert: hour H, 4 of its 12 slots
    await().atMost(Duration.ofSeconds(30)).until(() -> lowCompleteness(GAP).size() == 1);
    JsonObject alert = lowCompleteness(GAP).getJsonObject(0);
    assertThat(alert.getString("parameter")).isEqualTo("COD");
    assertThat(alert.getString("started_at")).isEqualTo(hourH.toString());
    assertThat(alert.getDouble("value")).isCloseTo(4 / 12.0, within(1e-9));
    assertThat(alert.getString("detail"))
        .isEqualTo("33% of the window's 5-minute slots hold a valid reading (4 of 12)");
    // the report over hour H
    JsonObject report = report(GAP, hourH, afterH);
    assertThat(report.getDouble("completeness")).isCloseTo(4 / 12.0, within(1e-9));
    JsonObject cod = report.getJsonArray("parameters").getJsonObject(0);
    assertThat(cod.getLong("filled_slots")).isEqualTo(4);
    assertThat(cod.getLong("expected_slots")).isEqualTo(12);
    // outfall check on the readings of hour H
    JsonNode check = check(GAP, hourH, afterH);
    assertThat(check.at("/completeness/COD/share").asDouble()).isCloseTo(4 / 12.0, within(1e-9));
    assertThat(check.at("/completeness/COD/filled_slots").asLong()).isEqualTo(4);
    assertThat(check.at("/completeness/COD/expected_slots").asLong()).isEqualTo(12);
    // the overview: the day's slots less the 8 missed
    JsonObject s = overviewStation(GAP);
    long expected = Duration.between(start, Instant.now()).toMillis() / FIVE_MINUTES;
    assertThat(s.getDouble("completeness_24h"))
        .isCloseTo((expected - 8) / (double) expected, within(1.5 / expected));
    // the report page shows the report's figure
    ChromeDriver browser = Chromium.start(1280, 1200);
    try {
      Chromium.signIn(browser, base(), TestServices.adminToken());
      browser.get(base() + "/report.html?station=" + GAP + "&from=" + hourH + "&to=" + afterH);
      var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
      wait.until(d -> !d.findElements(By.cssSelector("[data-completeness='COD']")).isEmpty());
      assertThat(browser.findElement(By.cssSelector("[data-completeness='COD']")).getText())
          .isEqualTo("33.3 %");
      assertThat(browser.findElement(By.id("completeness")).getText()).isEqualTo("33.3 %");
      Chromium.screenshot(browser, "report-completeness-gap");
    } finally {
      browser.quit();
    }
  }

  /**
   * A station whose analyzer reports every 15 minutes, with no plan in the registry or its permit:
   * its own readings show the interval, and once they do it is not held to 5-minute slots (4 of 12
   * an hour would be 33 %), whatever the engine counted before it had seen them.
   */
  @Test
  void aFifteenMinuteStationWithNoPlanIsCountedByItsOwnInterval() throws Exception {
    String station = "IT-CMP-15";
    var put = send("PUT", "/api/permits/" + station, "station: " + station + "\n" + PERMIT);
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    Instant now = Instant.now();
    Instant from = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(4));
    List<Reading> readings = new ArrayList<>();
    int i = 0;
    for (Instant t = from; !t.isAfter(now); t = t.plus(Duration.ofMinutes(15)), i++)
      readings.add(
          new Reading(
              station, "COD", t.toEpochMilli(), 50 + i % 7, "mg/L", DeviceStatus.MEASURING));
    publish(readings);
    // the engine looks at each station's plan again within seconds here (a few stations): the
    // low-completeness alert it raised before it knew the interval (4 of 12 five-minute slots an
    // hour) is resolved, none stays open. (It raises none if it measured the plan first.)
    long published = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(40))
        .until(
            () -> {
              JsonArray alerts = lowCompleteness(station);
              if (alerts.isEmpty()) return System.nanoTime() - published > 10_000_000_000L;
              return alerts.stream()
                  .allMatch(a -> ((JsonObject) a).getString("state").equals("resolved"));
            });
    Thread.sleep(3_000); // and it does not come back
    JsonArray after = lowCompleteness(station);
    assertThat(after.stream().map(a -> ((JsonObject) a).getString("state")))
        .as(after.encodePrettily())
        .allMatch("resolved"::equals);
    // the report counts its hours in 15-minute slots: 4 of 4
    Instant hour = from.plus(Duration.ofHours(1));
    JsonObject cod =
        report(station, hour, hour.plus(Duration.ofHours(1)))
            .getJsonArray("parameters")
            .getJsonObject(0);
    assertThat(cod.getLong("slot_minutes")).isEqualTo(15);
    assertThat(cod.getLong("expected_slots")).isEqualTo(4);
    assertThat(cod.getDouble("completeness")).isEqualTo(1.0);
  }

  @Test
  void stationsMeasuredTogetherGetTheIntervalsEachShowsAlone() throws Exception {
    // a third interval beside FULL's and GAP's five minutes: one reading every ten minutes
    String tenMinutes = "IT-CMP-10";
    Instant now = Instant.now();
    List<Reading> readings = new ArrayList<>();
    int i = 0;
    for (Instant t = now.minus(Duration.ofHours(3));
        t.isBefore(now);
        t = t.plus(Duration.ofMinutes(10)), i++)
      readings.add(
          new Reading(
              tenMinutes, "COD", t.toEpochMilli(), 50 + i % 7, "mg/L", DeviceStatus.MEASURING));
    publish(readings);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.get(server.httpPort(), "/api/stations").body().contains(tenMinutes));
    try (Connection c = server.database().dataSource().getConnection()) {
      AggregateFollower.awaitFolded(c); // a station's parameters are found in the daily aggregates
      List<String> stations = List.of(FULL, GAP, tenMinutes, "IT-CMP-NOBODY");
      Map<String, SamplingPlan> together = SamplingPlans.ofAll(c, stations, now);
      // GAP's 40 minutes without readings do not move the median of its gaps off five minutes
      assertThat(together.get(FULL).interval("COD")).isEqualTo(Duration.ofMinutes(5));
      assertThat(together.get(GAP).interval("COD")).isEqualTo(Duration.ofMinutes(5));
      assertThat(together.get(tenMinutes).interval("COD")).isEqualTo(Duration.ofMinutes(10));
      assertThat(together.get("IT-CMP-NOBODY")).isEqualTo(SamplingPlan.NONE);
      for (String station : stations)
        assertThat(together.get(station)).isEqualTo(SamplingPlans.of(c, station, now));
    }
  }

  private static JsonObject report(String station, Instant from, Instant to) {
    var r =
        Probe.get(
            server.httpPort(), "/api/stations/" + station + "/report?from=" + from + "&to=" + to);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  /** {@code outfall check} on the station's readings in [from, to), exported as CSV. */
  private static JsonNode check(String station, Instant from, Instant to) throws Exception {
    StringBuilder csv = new StringBuilder("ts,station,parameter,value,unit,status\n");
    for (Reading r : readings(station, from, to.minusMillis(1), station.equals(GAP)))
      csv.append(Instant.ofEpochMilli(r.timestampMs()))
          .append(',')
          .append(station)
          .append(",COD,")
          .append(r.value())
          .append(",mg/L,00\n");
    Path file = dir.resolve(station + ".csv");
    Files.writeString(file, csv);
    Path permit = dir.resolve(station + ".yaml");
    Files.writeString(permit, "station: " + station + "\n" + PERMIT); // hour windows, as live
    Cli.Run run =
        Cli.run("check", "--permit", permit.toString(), "--format", "json", file.toString());
    assertThat(run.exit()).as(run.printed()).isIn(0, 1); // 1: the check found something
    return new ObjectMapper().readTree(run.out());
  }

  private static JsonArray lowCompleteness(String station) {
    return new JsonObject(
            Probe.get(
                    server.httpPort(),
                    "/api/alerts?station=" + station + "&kind=low_completeness&state=all")
                .body())
        .getJsonArray("items");
  }

  private static JsonObject overviewStation(String station) {
    return OverviewJson.station(
        new JsonObject(Probe.get(server.httpPort(), "/api/overview").body()), station);
  }

  private static void publish(List<Reading> readings) throws Exception {
    for (int i = 0; i < readings.size(); i += 100)
      gateway.publish(
          new ReadingsBatch(
              gateway.gateway,
              System.nanoTime(),
              System.currentTimeMillis(),
              readings.subList(i, Math.min(readings.size(), i + 100))));
  }

  private static Probe.Answer send(String method, String path, String body) {
    return Probe.send(
        Probe.request(URI.create(base() + path))
            .header("content-type", "text/yaml")
            .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  private static String base() {
    return "http://127.0.0.1:" + server.httpPort();
  }
}

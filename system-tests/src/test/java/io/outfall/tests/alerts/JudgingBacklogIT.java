package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.alerts.ComplianceEngine;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * While no instance leads the compliance engine, nothing judges what the writers store, and the
 * engine's own timers, recorded only when it takes a batch, say nothing. The backlog is seen
 * anyway: every instance samples the batches waiting, so {@code /metrics} and {@code /api/health}
 * count exactly the readings stored and not judged, the age of the oldest grows, the pages say that
 * what they show may be behind once it is a minute old, and all of it falls to zero once an
 * instance leads again, with a breach that began and ended inside the waiting readings raised at
 * its own time, and one still going on opened with its latest window. In that order: the last step
 * ends the stuck engine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JudgingBacklogIT {
  static final String SITE = "it-judging-backlog";
  static final String BREACHING = "IT-JUDGING-BREACH";
  static final String STILL_BREACHING = "IT-JUDGING-GOING";
  // 6 batches of 50 readings of a station without a permit, 6 windows of 5 of one with a permit,
  // the third of them in breach, and 4 windows of 5 of another, the last two in breach
  static final int SENT = 6 * 50 + 6 * 5 + 4 * 5;
  static TestServices services;
  static Connection stuckLeader;
  static IngestServer server;
  static int port;
  static PermitWindows breach;
  static PermitWindows going;
  static long breachFrom;
  static long goingFrom;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    String db = services.newDatabase("judging_backlog");
    // Stands in for a leader that is stuck: the lock is held, nothing takes the batches.
    stuckLeader = DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
    try (var st = stuckLeader.createStatement()) {
      st.execute("SELECT pg_advisory_lock(" + ComplianceEngine.LEADER_LOCK + ")");
    }
    server = IngestServer.start(services.ingestSettings(db, "judging-backlog"));
    port = server.httpPort();
    try (TestPublisher gateway = new TestPublisher(services.mqttUrl(), SITE, "it-judging-gw")) {
      long base = System.currentTimeMillis() - 3_600_000;
      for (int k = 0; k < 6; k++) gateway.publish(gateway.batch("IT-JUDGING-OUT", base, k, 50));
      breach = new PermitWindows(BREACHING, gateway, port);
      breach.install();
      long w = PermitWindows.WINDOW_MS;
      breachFrom = Math.floorDiv(System.currentTimeMillis(), w) * w - 20 * w;
      for (int k = 0; k < 6; k++)
        gateway.publish(
            PermitWindows.window(
                BREACHING, gateway.gateway, breachFrom, k, k == 2 ? 300 : 60, 100 + k));
      going = new PermitWindows(STILL_BREACHING, gateway, port);
      going.install();
      // older than the window grace (120 s) will be when an engine leads: all four are judged by
      // then, whichever way
      goingFrom = breachFrom - 40 * w;
      for (int k = 0; k < 4; k++)
        gateway.publish(
            PermitWindows.window(
                STILL_BREACHING, gateway.gateway, goingFrom, k, k >= 2 ? 300 : 60, 200 + k));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.metric(port, "outfall_readings_stored_total") == SENT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
    stuckLeader.close();
    services.dropSession("it-judging-backlog");
  }

  @Test
  @Order(1)
  void everyReadingStoredAndNotJudgedIsCountedAndItsAgeGrows() throws Exception {
    // the sampler looks every 5 s
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.metric(port, "outfall_compliance_backlog_readings") == SENT);
    assertThat(Probe.metric(port, "outfall_compliance_backlog_batches")).isBetween(1.0, 16.0);
    double age = Probe.metric(port, "outfall_compliance_backlog_age_seconds");
    assertThat(age).isPositive();
    // the next samples find the same batches older
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.metric(port, "outfall_compliance_backlog_age_seconds") >= age + 4);
    JsonObject health = new JsonObject(Probe.get(port, "/api/health").body());
    assertThat(health.getString("status")).as("storage goes on: still up").isEqualTo("up");
    JsonObject compliance = health.getJsonObject("backlog").getJsonObject("compliance");
    assertThat(compliance.getLong("readings")).isEqualTo(SENT);
    assertThat(compliance.getDouble("oldest_seconds")).isGreaterThanOrEqualTo(age + 4);
    // the aggregates have their own follower on every instance: it went on folding
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.metric(port, "outfall_ingest_aggregates_backlog_batches") == 0);
  }

  @Test
  @Order(2)
  void theOverviewSaysJudgingIsBehindOnceItIsAMinuteBehind() throws Exception {
    // Ten minutes pass for the waiting batches (their stored_at, which the age is taken from).
    try (var st = stuckLeader.createStatement()) {
      st.executeUpdate("UPDATE evaluation_batches SET stored_at = stored_at - interval '10 min'");
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.metric(port, "outfall_compliance_backlog_age_seconds") >= 600);
    ChromeDriver browser = Chromium.start(1280, 900);
    try {
      Chromium.signIn(browser, "http://127.0.0.1:" + port, TestServices.adminToken());
      browser.get("http://127.0.0.1:" + port + "/overview.html");
      var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
      wait.until(d -> d.findElement(By.id("judging")).isDisplayed());
      assertThat(Chromium.text(browser, "#judging"))
          .matches("Compliance judging is 1\\d min behind the readings received: .*");
      // and the page goes on showing what is judged so far
      wait.until(
          d ->
              !d.findElements(By.cssSelector("#plants tr[data-station='IT-JUDGING-OUT']"))
                  .isEmpty());
      Chromium.screenshot(browser, "overview-judging-behind");
    } finally {
      browser.quit();
    }
  }

  @Test
  @Order(3)
  void allOfItFallsToZeroOnceAnInstanceLeads() throws Exception {
    stuckLeader.close(); // the lock goes with the session; the engine tries every 5 s
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.metric(port, "outfall_compliance_backlog_readings") == 0);
    assertThat(Probe.metric(port, "outfall_compliance_backlog_batches")).isZero();
    assertThat(Probe.metric(port, "outfall_compliance_backlog_age_seconds")).isZero();
    JsonObject compliance =
        new JsonObject(Probe.get(port, "/api/health").body())
            .getJsonObject("backlog")
            .getJsonObject("compliance");
    assertThat(compliance.getLong("readings")).isZero();
    assertThat(compliance.getDouble("oldest_seconds")).isZero();
    // and what waited was judged, not only taken: the breach that began and ended inside it is an
    // alert of its own, at its own time (a rebuild replays silently; the waiting batches' stations
    // are judged again from their first reading)
    await().atMost(Duration.ofSeconds(30)).until(() -> breach.breaches("resolved").size() == 1);
    JsonObject past = breach.breaches("all").getJsonObject(0);
    long w = PermitWindows.WINDOW_MS;
    // with the window that breached, as an alert raised live carries it
    assertBreach(past, breachFrom + 2 * w, breachFrom + 2 * w);
    assertThat(past.getString("band")).isNotNull();
    // the breach still going on at the end of the waiting readings is open, and says which window
    // it stands on (its latest, as a breach opened live and then worsened would)
    await().atMost(Duration.ofSeconds(30)).until(() -> going.breaches("active").size() == 1);
    assertBreach(going.breaches("active").getJsonObject(0), goingFrom + 2 * w, goingFrom + 3 * w);
  }

  /**
   * A breach alert that started at {@code startedMs} and stands on the 300 mg/L window starting at
   * {@code windowMs}.
   */
  private static void assertBreach(JsonObject alert, long startedMs, long windowMs) {
    assertThat(alert.getString("started_at")).isEqualTo(Instant.ofEpochMilli(startedMs).toString());
    assertThat(alert.getString("window_start"))
        .isEqualTo(Instant.ofEpochMilli(windowMs).toString());
    assertThat(alert.getString("window_end"))
        .isEqualTo(Instant.ofEpochMilli(windowMs + PermitWindows.WINDOW_MS).toString());
    assertThat(alert.getDouble("value")).isEqualTo(300.0);
  }
}

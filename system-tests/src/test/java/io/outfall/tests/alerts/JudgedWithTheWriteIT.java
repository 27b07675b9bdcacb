package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
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
import org.junit.jupiter.api.Test;

/**
 * While nothing waits to be judged, the writer judges its transaction's readings itself and the
 * alert changes commit with them: a breach is opened by the very transaction that stores the
 * reading closing its window. A transaction that is judged and then not committed must leave no
 * trace in what is judged next: the engine starts again from storage, so a breach in readings the
 * database refused raises nothing, and the next breach stored raises its alert with its own window.
 */
class JudgedWithTheWriteIT {
  static final String SITE = "it-judged-in-write";
  static TestServices services;
  static String db;
  static IngestServer server;
  static TestPublisher gateway;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    db = services.newDatabase("judged_in_write");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "judged-in-write")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
    gateway = new TestPublisher(services.mqttUrl(), SITE, SITE + "-gw");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    services.dropSession("it-judged-in-write");
  }

  @Test
  void aBreachIsOpenedByTheTransactionThatStoresTheReadingClosingItsWindow() throws Exception {
    String station = "IT-INWRITE-XMIN";
    PermitWindows cod = new PermitWindows(station, gateway, server.httpPort());
    Instant compliant = warmUp(cod);

    // window W at 300 mg/L (twice the limit), then the next window, whose first reading closes W
    Instant w = compliant.plusMillis(PermitWindows.WINDOW_MS);
    double judgedBefore = judgedInWrite();
    cod.publishWindow(w, 300);
    awaitStored(station, 10);
    Instant next = cod.publishWindow(w.plusMillis(PermitWindows.WINDOW_MS), 100);
    awaitStored(station, 15);

    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
    assertThat(cod.breaches("active").getJsonObject(0).getString("window_start"))
        .isEqualTo(w.toString());
    // committed together: the event that opened the alert and the reading that closed the window
    // were written by one transaction
    assertThat(
            text(
                "SELECT e.xmin::text FROM alert_events e JOIN alerts a ON a.id = e.alert_id"
                    + " WHERE a.station = '"
                    + station
                    + "' AND a.kind = 'breach' AND e.event = 'opened'"))
        .isEqualTo(
            text(
                "SELECT r.xmin::text FROM readings r JOIN stations s ON s.id = r.station_id"
                    + " WHERE s.code = '"
                    + station
                    + "' AND r.ts = '"
                    + next
                    + "'"));
    // 5 + 5 readings, each judged by the transaction that stored it
    assertThat(judgedInWrite() - judgedBefore).isGreaterThanOrEqualTo(10.0);
  }

  @Test
  void aTransactionRefusedAfterItWasJudgedLeavesNothingInTheEvaluators() throws Exception {
    String station = "IT-INWRITE-REFUSED";
    PermitWindows cod = new PermitWindows(station, gateway, server.httpPort());
    Instant compliant = warmUp(cod);
    try (Connection c = connect();
        var st = c.createStatement()) {
      // refuses, at commit, every transaction that stores readings while the table has a row:
      // after the writer has judged them
      st.execute("CREATE TABLE refuse_commits ()");
      st.execute(
          "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS"
              + " (SELECT FROM refuse_commits) THEN RAISE EXCEPTION 'refused by the test' USING"
              + " ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$");
      st.execute(
          "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON reading_batches"
              + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()");
      st.execute("INSERT INTO refuse_commits DEFAULT VALUES");
    }
    double judgedBefore = judgedInWrite();
    double rebuildsBefore = rebuilds();

    // window W1 at 300 mg/L: judged in the writer's transaction, which the database then refuses
    Instant refused = compliant.plusMillis(PermitWindows.WINDOW_MS);
    cod.publishWindow(refused, 300);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                count(
                        "SELECT coalesce(sum(rejected_readings), 0) FROM dead_letters"
                            + " WHERE reason = 'storage_refused' AND gateway = '"
                            + SITE
                            + "-gw'")
                    == 5);
    assertThat(storedOf(station)).as("W1 not stored").isEqualTo(5);
    // judged in the writer's transaction (nothing else rebuilds here), and not counted as judged
    await().atMost(Duration.ofSeconds(30)).until(() -> rebuilds() > rebuildsBefore);
    assertThat(judgedInWrite()).isEqualTo(judgedBefore);
    try (Connection c = connect();
        var st = c.createStatement()) {
      st.execute("DELETE FROM refuse_commits");
    }

    // W2 at 300 and W3 at 100, stored: one breach, of W2 alone. Had the evaluators kept W1's
    // readings, W2's first reading would have closed W1 as a breach (mean 300) of readings that
    // were never stored, and the alert would have started at W1 (its window, updated by each
    // breaching window, would say W2 either way).
    Instant stored = refused.plusMillis(PermitWindows.WINDOW_MS);
    cod.publishWindow(stored, 300);
    awaitStored(station, 10);
    cod.publishWindow(stored.plusMillis(PermitWindows.WINDOW_MS), 100);
    awaitStored(station, 15);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("all").size() == 1);
    JsonObject breach = cod.breaches("all").getJsonObject(0);
    assertThat(breach.getString("started_at")).isEqualTo(stored.toString());
    assertThat(breach.getString("window_start")).isEqualTo(stored.toString());
    Thread.sleep(2 * PermitWindows.WINDOW_MS); // nothing more comes of W1
    assertThat(cod.breaches("all").size()).isEqualTo(1);
  }

  /**
   * Installs the station's permit, waits for the engine to rebuild with it, and publishes compliant
   * windows until one is judged in the writer's transaction (a window that arrives while the engine
   * is busy is judged from the queue). Answers the last window's start.
   */
  private static Instant warmUp(PermitWindows cod) throws Exception {
    double rebuilt = rebuilds();
    cod.install();
    await().atMost(Duration.ofSeconds(30)).until(() -> rebuilds() > rebuilt);
    double before = judgedInWrite();
    Instant start = cod.publishWindow(100);
    for (int i = 0; i < 5 && judgedInWrite() < before + 5; i++) {
      Thread.sleep(1_000);
      if (judgedInWrite() < before + 5)
        start = cod.publishWindow(start.plusMillis(PermitWindows.WINDOW_MS), 100);
    }
    assertThat(judgedInWrite()).as("a window judged in write").isGreaterThanOrEqualTo(before + 5);
    return start;
  }

  private static void awaitStored(String station, long n) {
    await().atMost(Duration.ofSeconds(30)).until(() -> storedOf(station) == n);
  }

  private static long storedOf(String station) {
    return count(
        "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + station
            + "'");
  }

  private static double judgedInWrite() {
    return Probe.metric(server.httpPort(), "outfall_compliance_judged_in_write_readings_total");
  }

  private static double rebuilds() {
    return Probe.metric(server.httpPort(), "outfall_compliance_rebuilds_total");
  }

  private static long count(String sql) {
    return Probe.count(db, services.dbUser(), services.dbPassword(), sql);
  }

  private static String text(String sql) throws Exception {
    try (Connection c = connect();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      assertThat(rs.next()).as(sql).isTrue();
      return rs.getString(1);
    }
  }

  private static Connection connect() throws Exception {
    return DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
  }
}

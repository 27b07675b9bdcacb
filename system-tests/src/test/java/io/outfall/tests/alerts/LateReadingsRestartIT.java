package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A restart in the middle of a gateway's backlog: the backlog is hours old, older than what a new
 * leader replays, and arrived after newer data, so it is late. The ingest stops before it judged
 * the station again; the next one still does, from where the late readings start, and the breach
 * inside them becomes an alert with its own times. The next one replays at most ten readings per
 * transaction, so the judgement spans many short slices and must come out the same.
 */
class LateReadingsRestartIT {
  static final String STATION = "IT-LATE-RESTART-OUT";

  @Test
  void lateReadingsAreJudgedAgainByTheNextIngest() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("late_restart");
    long w = PermitWindows.WINDOW_MS;
    // four hours ago: older than the three hours every rebuild replays
    long base = Math.floorDiv(System.currentTimeMillis(), w) * w - Duration.ofHours(4).toMillis();
    try (TestPublisher gateway =
        new TestPublisher(services.mqttUrl(), "it-late-restart", "it-late-restart-gw")) {
      // the first ingest waits ten minutes for late readings to stop before judging again
      try (IngestServer first =
          IngestServer.start(
              services
                  .ingestSettings(db, "late-restart-1")
                  .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 600))) {
        new PermitWindows(STATION, gateway, first.httpPort()).install();
        long seq = 0;
        for (int k = 15; k < 20; k++) gateway.publish(window(base, k, 60, ++seq)); // newer first
        Thread.sleep(1_000);
        for (int k = 0; k < 15; k++)
          gateway.publish(window(base, k, k == 5 || k == 6 ? 300 : 60, ++seq));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.storedReadings(services, db, STATION) == 20 * w / 1000);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> late(services, db) == 1); // noted, not judged yet
        assertThat(breaches(first.httpPort())).isEmpty();
      } finally {
        services.dropSession("it-late-restart-1");
      }
      try (IngestServer second =
          IngestServer.start(
              services
                  .ingestSettings(db, "late-restart-2")
                  .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 2)
                  .with(Setting.ALERTS_REJUDGE_SLICE_READINGS, 10))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> breaches(second.httpPort()).size() == 1);
        JsonObject breach = breaches(second.httpPort()).get(0);
        assertThat(breach.getString("state")).isEqualTo("resolved");
        assertThat(breach.getString("started_at"))
            .isEqualTo(Instant.ofEpochMilli(base + 5 * w).toString());
        assertThat(breach.getString("resolved_at"))
            .isEqualTo(Instant.ofEpochMilli(base + 7 * w).toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> late(services, db) == 0);
        // 100 readings (20 windows of 5), at most 10 per slice: 10 slices of them at least
        int port = second.httpPort();
        assertThat(Probe.metric(port, "outfall_compliance_rejudge_readings_sum")).isEqualTo(100);
        assertThat(Probe.metric(port, "outfall_compliance_rejudge_transaction_seconds_count"))
            .isGreaterThanOrEqualTo(10);
      } finally {
        services.dropSession("it-late-restart-2");
      }
    }
  }

  private static long late(TestServices services, String db) {
    return Probe.count(
        db, services.dbUser(), services.dbPassword(), "SELECT count(*) FROM evaluation_late");
  }

  private static List<JsonObject> breaches(int port) {
    var items =
        new JsonObject(
                Probe.get(port, "/api/alerts?station=" + STATION + "&kind=breach&state=all").body())
            .getJsonArray("items");
    List<JsonObject> out = new ArrayList<>();
    items.forEach(i -> out.add((JsonObject) i));
    return out;
  }

  private static ReadingsBatch window(long base, int k, double value, long seq) {
    return PermitWindows.window(STATION, "it-late-restart-gw", base, k, value, seq);
  }
}

package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.alerts.ComplianceEngine;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * While no instance leads the compliance engine, nothing judges what the writers store, and the
 * engine's own timers, recorded only when it takes a batch, say nothing. The backlog is seen
 * anyway: every instance samples the batches waiting, so {@code /metrics} and {@code /api/health}
 * count exactly the readings stored and not judged, and the age of the oldest grows; once an
 * instance leads again they fall to zero.
 */
class JudgingBacklogIT {
  static final String SITE = "it-judging-backlog";

  @Test
  void readingsNoEngineJudgesAreCountedUntilOneLeadsAgain() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("judging_backlog");
    // Stands in for a leader that is stuck: the lock is held, nothing takes the batches.
    Connection stuckLeader =
        DriverManager.getConnection(db, services.dbUser(), services.dbPassword());
    try (var st = stuckLeader.createStatement()) {
      st.execute("SELECT pg_advisory_lock(" + ComplianceEngine.LEADER_LOCK + ")");
    }
    try (IngestServer server = IngestServer.start(services.ingestSettings(db, "judging-backlog"));
        TestPublisher gateway = new TestPublisher(services.mqttUrl(), SITE, "it-judging-gw")) {
      int port = server.httpPort();
      long base = System.currentTimeMillis() - 3_600_000;
      int batches = 6;
      int size = 50;
      for (int k = 0; k < batches; k++)
        gateway.publish(gateway.batch("IT-JUDGING-OUT", base, k, size));
      int sent = batches * size; // 300 readings
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Probe.metric(port, "outfall_readings_stored_total") == sent);

      // the sampler looks every 5 s
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Probe.metric(port, "outfall_compliance_backlog_readings") == sent);
      assertThat(Probe.metric(port, "outfall_compliance_backlog_batches")).isBetween(1.0, 6.0);
      double age = Probe.metric(port, "outfall_compliance_backlog_age_seconds");
      assertThat(age).isPositive();
      // the next samples find the same batches older
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Probe.metric(port, "outfall_compliance_backlog_age_seconds") >= age + 4);
      JsonObject health = new JsonObject(Probe.get(port, "/api/health").body());
      assertThat(health.getString("status")).as("storage goes on: still up").isEqualTo("up");
      JsonObject compliance = health.getJsonObject("backlog").getJsonObject("compliance");
      assertThat(compliance.getLong("readings")).isEqualTo(sent);
      assertThat(compliance.getDouble("oldest_seconds")).isGreaterThanOrEqualTo(age + 4);
      // the aggregates have their own follower on every instance: it went on folding
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Probe.metric(port, "outfall_ingest_aggregates_backlog_batches") == 0);

      stuckLeader.close(); // the lock goes with the session; the engine tries every 5 s
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Probe.metric(port, "outfall_compliance_backlog_readings") == 0);
      assertThat(Probe.metric(port, "outfall_compliance_backlog_batches")).isZero();
      assertThat(Probe.metric(port, "outfall_compliance_backlog_age_seconds")).isZero();
    } finally {
      stuckLeader.close();
      services.dropSession("it-judging-backlog");
    }
  }
}

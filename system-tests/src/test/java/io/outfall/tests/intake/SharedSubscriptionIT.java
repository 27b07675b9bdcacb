package io.outfall.tests.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ingest instances in one share group: every message goes to exactly one of them, and when one is
 * retired the others take all new messages.
 *
 * <p>How a broker spreads a group's messages is its own policy: Mosquitto round-robins, so there
 * both instances must take a share; HiveMQ CE hands the group's queue to a member while it keeps
 * up, so the embedded broker may give one instance everything.
 */
@Tag(
    "demo-stack") // also run on the embedded stack: HiveMQ CE shares a group's messages differently
// from Mosquitto
class SharedSubscriptionIT {
  @Test
  void instancesShareTheGroupAndTakeOverWhenOneIsRetired() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("shared");
    var settings =
        services.ingestSettings(db, "shared-a").with(Setting.MQTT_SHARED_GROUP, "it-shared");
    IngestServer a = IngestServer.start(settings);
    IngestServer b = IngestServer.start(settings.with(Setting.MQTT_CLIENT_ID, "it-shared-b"));
    try (TestPublisher gateway =
        new TestPublisher(services.mqttUrl(), "it-shared", "it-shared-gw")) {
      long base = System.currentTimeMillis() - Duration.ofDays(3).toMillis();
      gateway.publishBurst(batches(gateway, base, 0, 100));
      await().atMost(Duration.ofSeconds(60)).until(() -> rows(services, db) == 5_000);
      double byA = Probe.metric(a.httpPort(), "outfall_readings_stored_total");
      double byB = Probe.metric(b.httpPort(), "outfall_readings_stored_total");
      System.out.printf(
          "[shared subscription] %s: instance a stored %.0f, instance b stored %.0f%n",
          services.describe(), byA, byB);
      assertThat(byA + byB).as("each message stored by exactly one instance").isEqualTo(5_000);
      if (services.external()) {
        assertThat(byA).as("round-robin gives a a share").isPositive();
        assertThat(byB).as("round-robin gives b a share").isPositive();
      }

      // Retire the busier instance: stop it and end its session, as a scale-in does.
      boolean retireA = byA >= byB;
      IngestServer remaining = retireA ? b : a;
      double before = retireA ? byB : byA;
      (retireA ? a : b).close();
      services.dropSession(retireA ? "it-shared-a" : "it-shared-b");
      gateway.publishBurst(batches(gateway, base, 100, 100));
      await().atMost(Duration.ofSeconds(60)).until(() -> rows(services, db) == 10_000);
      assertThat(Probe.metric(remaining.httpPort(), "outfall_readings_stored_total") - before)
          .isEqualTo(5_000);
    } finally {
      for (IngestServer s : List.of(a, b)) {
        try {
          s.close();
        } catch (Exception ignored) {
          // the retired one is closed already
        }
      }
      services.dropSession("it-shared-a");
      services.dropSession("it-shared-b");
    }
  }

  private static List<ReadingsBatch> batches(
      TestPublisher gateway, long base, int from, int count) {
    List<ReadingsBatch> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) out.add(gateway.batch("IT-SHARED-OUT", base, i, 50));
    return out;
  }

  private static long rows(TestServices services, String db) {
    return Probe.count(
        db, services.dbUser(), services.dbPassword(), "SELECT count(*) FROM readings");
  }
}

package io.outfall.tests.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 100,000 readings published while the ingest process is SIGKILLed mid-stream and restarted: every
 * one is stored exactly once. The broker keeps the persistent session's queue and redelivers what
 * was never acknowledged; storage drops the replays.
 */
// CI runs it on the embedded stack too: the demo's broker must keep a killed ingest's session too
@Tag("demo-stack")
class CrashRecoveryIT {
  static final int BATCHES = 1000;
  static final int BATCH_SIZE = 100;
  static final String STATION = "IT-CRASH-OUT";

  @Test
  void everyReadingIsStoredExactlyOnceAcrossSigkill() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("crash");
    Map<String, String> env =
        Map.of(
            "OUTFALL_DB_URL",
            db,
            "OUTFALL_DB_USER",
            services.dbUser(),
            "OUTFALL_DB_PASSWORD",
            services.dbPassword(),
            "OUTFALL_MQTT_URL",
            services.mqttUrl(),
            "OUTFALL_MQTT_CLIENT_ID",
            "it-crash",
            "OUTFALL_MQTT_SHARED_GROUP",
            "it-crash",
            "OUTFALL_MQTT_SESSION_EXPIRY_SECONDS",
            "600",
            "OUTFALL_HTTP_HOST",
            "127.0.0.1",
            "OUTFALL_REGISTRY_UNREGISTERED_STATIONS",
            "register");
    Path log = Path.of("target", "crash-ingest.log");
    String count =
        "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + STATION
            + "'";
    String distinct =
        "SELECT count(DISTINCT (r.parameter_id, r.ts)) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + STATION
            + "'";
    long base = System.currentTimeMillis() - Duration.ofDays(5).toMillis();

    try (IngestProcess ingest = new IngestProcess(env, TestServices.freePort(), log);
        TestPublisher gateway = new TestPublisher(services.mqttUrl(), "it-crash", "it-crash-gw")) {
      ingest.start();
      // The shared subscription exists once a first batch comes through; only then is the broker
      // bound to queue for this session.
      gateway.publish(gateway.batch("IT-CRASH-WARMUP", base, 0, 1));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Probe.count(
                          db,
                          services.dbUser(),
                          services.dbPassword(),
                          "SELECT count(*) FROM readings")
                      == 1);

      CompletableFuture<Long> publishing =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  for (int i = 0; i < BATCHES; i++) {
                    gateway.publish(gateway.batch(STATION, base, i, BATCH_SIZE));
                    if (i % 10 == 9) Thread.sleep(20); // a steady stream, not one burst
                  }
                  return gateway.sentReadings() - 1;
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });

      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Probe.count(db, services.dbUser(), services.dbPassword(), count) >= 20_000);
      ingest.kill();
      long killedAt = System.nanoTime();
      long storedAtKill = Probe.count(db, services.dbUser(), services.dbPassword(), count);
      boolean publishingAtKill = !publishing.isDone();
      Thread.sleep(2_000); // the gateway keeps publishing into the broker meanwhile
      ingest.start();

      long sent = publishing.get(3, TimeUnit.MINUTES);
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> Probe.count(db, services.dbUser(), services.dbPassword(), count) >= sent);
      double recoverySeconds = (System.nanoTime() - killedAt) / 1e9;
      Thread.sleep(2_000); // let any late redelivery land before counting duplicates
      long stored = Probe.count(db, services.dbUser(), services.dbPassword(), count);
      long unique = Probe.count(db, services.dbUser(), services.dbPassword(), distinct);
      double replays = Probe.metric(ingest.httpPort(), "outfall_readings_duplicate_total");
      System.out.printf(
          "[crash drill] %s: sent=%d stored=%d unique=%d stored_at_kill=%d publishing_at_kill=%s redelivered_duplicates_dropped=%.0f kill_to_all_stored=%.1fs%n",
          services.describe(),
          sent,
          stored,
          unique,
          storedAtKill,
          publishingAtKill,
          replays,
          recoverySeconds);

      assertThat(sent).isEqualTo((long) BATCHES * BATCH_SIZE);
      assertThat(storedAtKill).as("killed mid-stream").isBetween(1L, sent - 1);
      assertThat(stored).as("stored exactly once").isEqualTo(sent);
      assertThat(unique).isEqualTo(sent);
    } finally {
      services.dropSession("it-crash");
    }
  }
}

package io.outfall.tests.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.drill.TcpProxy;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The database disappears for 30 s while readings keep arriving: health says so, nothing is lost,
 * and everything sent is stored once the database is back.
 */
class DatabaseOutageIT {
  static final String STATION = "IT-OUTAGE-OUT";

  @Test
  void aThirtySecondDatabaseOutageLosesNothing() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("outage");
    URI direct = URI.create(db.substring("jdbc:".length()));
    String count =
        "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + STATION
            + "'";
    long base = System.currentTimeMillis() - Duration.ofDays(2).toMillis();

    try (TcpProxy proxy = new TcpProxy(direct.getHost(), direct.getPort())) {
      String viaProxy = "jdbc:postgresql://127.0.0.1:" + proxy.port() + direct.getPath();
      IngestServer server =
          IngestServer.start(
              services.ingestSettings(viaProxy, "outage").with(Setting.DB_URL, viaProxy));
      try (TestPublisher gateway =
          new TestPublisher(services.mqttUrl(), "it-outage", "it-outage-gw")) {
        int port = server.httpPort();
        // 300 batches of 50 readings, one every 150 ms: about 45 s of steady traffic.
        CompletableFuture<Long> publishing =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    for (int i = 0; i < 300; i++) {
                      gateway.publish(gateway.batch(STATION, base, i, 50));
                      Thread.sleep(150);
                    }
                    return gateway.sentReadings();
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.count(db, services.dbUser(), services.dbPassword(), count) > 0);

        proxy.cut();
        long cutAt = System.nanoTime();
        long storedAtCut = Probe.count(db, services.dbUser(), services.dbPassword(), count);
        await()
            .atMost(Duration.ofSeconds(25))
            .until(() -> Probe.get(port, "/api/health").status() == 503);
        assertThat(Probe.get(port, "/api/health").body())
            .contains("\"database\"")
            .contains("\"down\"");
        long storedDuringOutage = Probe.count(db, services.dbUser(), services.dbPassword(), count);
        // Backpressure: however long the outage, ingest holds at most the MQTT receive maximum
        // (64 messages by default); the rest waits in the broker. (Mosquitto fills that window;
        // HiveMQ CE sends a shared-subscription member nothing more while it has messages in
        // flight.)
        double maxQueued = 0;
        while ((System.nanoTime() - cutAt) / 1_000_000 < 28_000) {
          maxQueued = Math.max(maxQueued, Probe.metric(port, "outfall_ingest_queue_messages"));
          Thread.sleep(500);
        }
        long sentDuringOutage = gateway.sentReadings();
        assertThat(maxQueued).as("messages held in memory during the outage").isBetween(0.0, 64.0);
        assertThat(sentDuringOutage / 50)
            .as("messages the gateway sent meanwhile")
            .isGreaterThan(64 + 60);
        Thread.sleep(Math.max(0, 30_000 - (System.nanoTime() - cutAt) / 1_000_000));
        long storedAtRestore = Probe.count(db, services.dbUser(), services.dbPassword(), count);
        proxy.restore();
        long restoredAt = System.nanoTime();

        long sent = publishing.get(2, TimeUnit.MINUTES);
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> Probe.count(db, services.dbUser(), services.dbPassword(), count) >= sent);
        double catchUp = (System.nanoTime() - restoredAt) / 1e9;
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.get(port, "/api/health").status() == 200);
        long stored = Probe.count(db, services.dbUser(), services.dbPassword(), count);
        System.out.printf(
            "[db outage] %s: sent=%d stored=%d stored_at_cut=%d stored_at_restore=%d max_queued_messages=%.0f outage=30s restore_to_all_stored=%.1fs write_retries=%.0f%n",
            services.describe(),
            sent,
            stored,
            storedAtCut,
            storedAtRestore,
            maxQueued,
            catchUp,
            Probe.metric(port, "outfall_ingest_write_failures_total{kind=\"transient\"}"));

        assertThat(storedAtRestore)
            .as("nothing was written while the database was gone")
            .isEqualTo(storedDuringOutage);
        assertThat(storedAtRestore).as("traffic continued through the outage").isLessThan(sent);
        assertThat(stored).isEqualTo(sent);
      } finally {
        server.close();
        services.dropSession("it-outage");
      }
    }
  }
}

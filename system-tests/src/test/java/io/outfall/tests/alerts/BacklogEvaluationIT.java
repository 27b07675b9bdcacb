package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gateway back from an outage sends minutes of backlog, window by window, while the engine is
 * running: the breach inside the backlog is judged live (opened and resolved at the backlog's own
 * times), not dropped as late because the wall clock had already closed those windows.
 */
class BacklogEvaluationIT {
  static final String STATION = "IT-BACKLOG-OUT";
  static final String LATE_STATION = "IT-LATE-OUT";
  static TestServices services;
  static IngestServer server;
  static TestPublisher gateway;
  static PermitWindows cod;
  static PermitWindows late;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    server =
        IngestServer.start(
            services
                .ingestSettings(services.newDatabase("backlog"), "backlog")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 2));
    gateway = new TestPublisher(services.mqttUrl(), "it-backlog", "it-backlog-gw");
    cod = new PermitWindows(STATION, gateway, server.httpPort());
    cod.install();
    late = new PermitWindows(LATE_STATION, gateway, server.httpPort());
    late.install();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    services.dropSession("it-backlog");
  }

  @Test
  void aBreachInsideABacklogIsJudgedAtItsOwnTime() throws Exception {
    long w = PermitWindows.WINDOW_MS;
    long base = Math.floorDiv(System.currentTimeMillis(), w) * w - 30 * w; // 30 windows ago
    // Twenty windows, one batch each, oldest first, with pauses so that the engine's one-second
    // tick runs many times while the backlog is still arriving. Windows 5 and 6 breach.
    for (int k = 0; k < 20; k++) {
      double value = k == 5 || k == 6 ? 300 : 60;
      List<Reading> readings = new ArrayList<>();
      for (int i = 0; i < w / 1000; i++)
        readings.add(
            new Reading(
                STATION, "COD", base + k * w + i * 1000L, value, "mg/L", DeviceStatus.MEASURING));
      gateway.publish(
          new ReadingsBatch("it-backlog-gw", k + 1, System.currentTimeMillis(), readings));
      Thread.sleep(300);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("resolved").size() == 1);
    JsonObject breach = cod.breaches("all").getJsonObject(0);
    assertThat(cod.breaches("all").size()).isEqualTo(1);
    assertThat(breach.getString("started_at"))
        .isEqualTo(Instant.ofEpochMilli(base + 5 * w).toString());
    assertThat(breach.getString("resolved_at"))
        .as("resolved by the compliant window that followed, at its start")
        .isEqualTo(Instant.ofEpochMilli(base + 7 * w).toString());
    assertThat(breach.getDouble("peak")).isEqualTo(300.0);
  }

  /**
   * The gateway's way since live data goes first: after an outage the windows after it arrive (and
   * are judged) before the backlog. The breach inside the backlog still becomes an alert with its
   * own times, once; the readings sent again change nothing.
   */
  @Test
  void aBreachInABacklogSentAfterLiveDataIsStillAlertedOnce() throws Exception {
    long w = PermitWindows.WINDOW_MS;
    long base = Math.floorDiv(System.currentTimeMillis(), w) * w - 30 * w;
    long seq = 100;
    // Live data first: windows 15 to 19, compliant.
    for (int k = 15; k < 20; k++) {
      gateway.publish(window(LATE_STATION, base, k, 60, ++seq));
      Thread.sleep(300);
    }
    // Then the backlog, windows 0 to 14, oldest first; windows 5 and 6 breach.
    List<ReadingsBatch> backlog = new ArrayList<>();
    for (int k = 0; k < 15; k++)
      backlog.add(window(LATE_STATION, base, k, k == 5 || k == 6 ? 300 : 60, ++seq));
    for (ReadingsBatch b : backlog) {
      gateway.publish(b);
      Thread.sleep(100);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> late.breaches("all").size() == 1);
    JsonObject breach = late.breaches("all").getJsonObject(0);
    assertThat(breach.getString("state")).isEqualTo("resolved");
    assertThat(breach.getString("started_at"))
        .isEqualTo(Instant.ofEpochMilli(base + 5 * w).toString());
    assertThat(breach.getString("resolved_at"))
        .isEqualTo(Instant.ofEpochMilli(base + 7 * w).toString());
    assertThat(breach.getDouble("peak")).isEqualTo(300.0);

    // The backlog again (a gateway resending what it never saw acknowledged): nothing new.
    for (ReadingsBatch b : backlog) gateway.publish(b);
    Thread.sleep(5_000);
    assertThat(late.breaches("all").size()).isEqualTo(1);
  }

  private static ReadingsBatch window(String station, long base, int k, double value, long seq) {
    return PermitWindows.window(station, "it-backlog-gw", base, k, value, seq);
  }
}

package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The compliance engine judges what every ingest instance stores: its own instance's writer judges
 * its readings in its transaction (or hands them over in memory), and the batches of another
 * instance (in the same share group) the engine reads back from storage. A breach stored by a
 * second writer, standing in for that other instance, opens an alert exactly as one published to
 * the leader itself does, and its readings, and only they, are the ones read back.
 */
class AnotherInstancesReadingsIT {
  static final String STATION = "IT-READBACK-OUT";
  static final String SITE = "it-readback";
  static final String GATEWAY = "it-readback-gw";

  @Test
  void aBreachAnotherInstanceStoredIsReadBackAndJudged() throws Exception {
    TestServices services = TestServices.get();
    String db = services.newDatabase("readback");
    try (IngestServer leader =
            IngestServer.start(
                services
                    .ingestSettings(db, "readback")
                    .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
        TestPublisher gateway = new TestPublisher(services.mqttUrl(), SITE, GATEWAY)) {
      PermitWindows cod = new PermitWindows(STATION, gateway, leader.httpPort());
      cod.install();
      // compliant windows through the leader's own writer until its engine has judged some of
      // them (it leads, and judges its writer's readings in write or takes them handed over)
      for (int i = 0; i < 10 && judgedOwn(leader) == 0; i++) {
        cod.publishWindow(100);
        Thread.sleep(PermitWindows.WINDOW_MS);
      }
      assertThat(judgedOwn(leader)).as("the engine judged its own writer's readings").isPositive();
      double readBackBefore = readBack(leader);

      // the other instance: a writer of its own on the same database, handing nothing over
      AtomicInteger acked = new AtomicInteger();
      ReadingWriter other =
          new ReadingWriter(
              leader.database().dataSource(),
              leader.database().parameters(),
              new StationDirectory(StationDirectory.Unregistered.REGISTER),
              new MicrometerIntakeMetrics(new SimpleMeterRegistry()),
              16,
              1_000,
              5,
              true,
              null);
      other.start();
      long start;
      try {
        short codId = leader.database().parameters().byCode("COD").id();
        long w = PermitWindows.WINDOW_MS;
        start = Math.floorDiv(System.currentTimeMillis(), w) * w + w;
        List<Inbound.Row> rows = new ArrayList<>();
        for (int i = 0; i < w / 1000; i++)
          rows.add(new Inbound.Row(STATION, codId, start + 1000L * i, 300, (short) 0));
        other.submit(
            new Inbound(
                new Delivery(
                    "outfall/v1/" + SITE + "/" + GATEWAY + "/readings",
                    new byte[0],
                    "application/json",
                    acked::incrementAndGet),
                SITE,
                GATEWAY,
                1L,
                rows,
                List.of(),
                0,
                System.nanoTime()));
        await().atMost(Duration.ofSeconds(10)).until(() -> acked.get() == 1);
      } finally {
        other.close();
      }
      Thread.sleep(PermitWindows.WINDOW_MS); // the next window, through the leader's writer
      cod.publishWindow(100);

      await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
      JsonObject breach = cod.breaches("active").getJsonObject(0);
      assertThat(breach.getDouble("value")).isEqualTo(300.0);
      assertThat(breach.getString("window_start"))
          .isEqualTo(Instant.ofEpochMilli(start).toString());
      assertThat(readBack(leader) - readBackBefore)
          .as("read back: the other writer's 5 readings, none of the leader's own")
          .isEqualTo(5.0);
    } finally {
      services.dropSession("it-readback");
    }
  }

  private static double judgedOwn(IngestServer s) {
    return Probe.metric(s.httpPort(), "outfall_compliance_drain_seconds_count")
        + Probe.metric(s.httpPort(), "outfall_compliance_judged_in_write_readings_total");
  }

  private static double readBack(IngestServer s) {
    return Probe.metric(s.httpPort(), "outfall_compliance_read_back_total");
  }
}

package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A notification that could not be sent before ingest stopped is sent by the next ingest, once: the
 * outbox is in the database, not in memory.
 */
class NotificationRestartIT {
  static final String STATION = "IT-RESTART-OUT";

  @Test
  void aPendingEmailSurvivesARestartAndIsSentOnce() throws Exception {
    TestServices services = TestServices.get();
    int smtpPort = TestServices.freePort();
    Settings settings =
        services
            .ingestSettings(services.newDatabase("notifyrestart"), "notifyrestart")
            .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1)
            .with(Setting.ALERTS_NOTIFY, "compliance")
            .with(Setting.ALERTS_SMTP_HOST, "127.0.0.1")
            .with(Setting.ALERTS_SMTP_PORT, smtpPort) // nothing listens there yet
            .with(Setting.ALERTS_EMAIL_TO, "moitruong@hanoi.example");
    long alertId;
    try (TestPublisher gateway =
        new TestPublisher(services.mqttUrl(), "it-restart", "it-restart-gw")) {
      IngestServer first = IngestServer.start(settings);
      PermitWindows cod = new PermitWindows(STATION, gateway, first.httpPort());
      cod.install();
      cod.publishWindow(300);
      await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
      alertId = cod.breaches("active").getJsonObject(0).getLong("id");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> emails(cod, alertId).get(0).getInteger("attempts") >= 1);
      assertThat(emails(cod, alertId).get(0).getString("delivered_at")).isNull();
      first.close();
    }

    GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
    smtp.start();
    try (TestPublisher gateway =
            new TestPublisher(services.mqttUrl(), "it-restart", "it-restart-gw");
        IngestServer second = IngestServer.start(settings)) {
      PermitWindows cod = new PermitWindows(STATION, gateway, second.httpPort());
      // The backoff after the failed attempts is at most 16 s here.
      await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length >= 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> emails(cod, alertId).get(0).getString("delivered_at") != null);
      // Counted: one alert change called for one e-mail; one arrived, and the restart (whose
      // engine replays and reconciles the still-open breach) queued no second one.
      Thread.sleep(3_000);
      assertThat(smtp.getReceivedMessages()).hasSize(1);
      assertThat(smtp.getReceivedMessages()[0].getSubject()).contains(STATION).contains("COD");
      assertThat(emails(cod, alertId)).hasSize(1);
      assertThat(cod.breaches("active").size()).isEqualTo(1);
    } finally {
      smtp.stop();
      services.dropSession("it-notifyrestart");
    }
  }

  private static List<JsonObject> emails(PermitWindows cod, long alertId) {
    return cod.alert(alertId).getJsonArray("notifications").stream()
        .map(n -> (JsonObject) n)
        .filter(n -> n.getString("channel").equals("email"))
        .toList();
  }
}

package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Breach to notification and back, on the real broker and database: readings published over MQTT
 * break a permit, the alert appears in the API, an e-mail reaches the SMTP server (GreenMail) and a
 * signed webhook its receiver; acknowledging and recovery close the loop; an SMTP outage delays an
 * e-mail but loses none.
 */
// CI runs it on the embedded stack too: the demo raises and notifies alerts on its own broker and
// database
@Tag("demo-stack")
class AlertingIT {
  static final String STATION = "IT-ALERT-OUT";
  static TestServices services;
  static IngestServer server;
  static GreenMail smtp;
  static int smtpPort;
  static WebhookReceiver webhook;
  static TestPublisher gateway;

  static PermitWindows cod;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    smtpPort = TestServices.freePort();
    smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
    smtp.start();
    webhook = new WebhookReceiver("s3cret");
    String db = services.newDatabase("alerting");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "alerting")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1)
                .with(
                    Setting.ALERTS_NOTIFY,
                    "compliance") // the sparse test data also opens data-quality alerts
                .with(Setting.ALERTS_SMTP_HOST, "127.0.0.1")
                .with(Setting.ALERTS_SMTP_PORT, smtpPort)
                .with(Setting.ALERTS_EMAIL_TO, "moitruong@hanoi.example")
                .with(Setting.ALERTS_WEBHOOK_URL, webhook.url())
                .with(Setting.ALERTS_WEBHOOK_SECRET, "s3cret"));
    gateway = new TestPublisher(services.mqttUrl(), "it-alert", "it-alert-gw");
    cod = new PermitWindows(STATION, gateway, server.httpPort());
    cod.install();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    smtp.stop();
    webhook.close();
    services.dropSession("it-alerting");
  }

  @Test
  void breachNotifiesAndTheLoopCloses() throws Exception {
    // A window of COD at 300 mg/L, twice the limit of 150.
    Instant first = cod.publishWindow(300);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
    JsonObject alert = cod.breaches("active").getJsonObject(0);
    assertThat(alert.getString("kind")).isEqualTo("breach");
    assertThat(alert.getString("state")).isEqualTo("open");
    assertThat(alert.getDouble("value")).isEqualTo(300.0);
    assertThat(alert.getString("limit")).isEqualTo("150.0");
    assertThat(alert.getDouble("factor")).isEqualTo(2.0);
    assertThat(alert.getString("band")).isEqualTo("4");
    assertThat(alert.getString("window_start")).isEqualTo(first.toString());

    await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length == 1);
    MimeMessage mail = smtp.getReceivedMessages()[0];
    assertThat(mail.getSubject())
        .contains("vượt quy chuẩn xả thải")
        .contains("discharge standard breached")
        .contains(STATION)
        .contains("COD");
    String body = (String) mail.getContent();
    assertThat(body)
        .contains("Trạm quan trắc: " + STATION)
        .contains("Số lần vượt: 2.00 lần")
        .contains("Station: " + STATION)
        .contains("Parameter: COD")
        .contains("Mean value: 300.0 mg/L")
        .contains("Limit (Cmax): 150.0 mg/L")
        .contains("Exceedance factor: 2.00×")
        .contains("Band (Decree 45/2022): 4")
        .contains("(GMT+7)");
    await().atMost(Duration.ofSeconds(30)).until(() -> webhook.received.size() == 1);
    assertThat(webhook.received.get(0).signatureValid()).isTrue();
    JsonObject hook = new JsonObject(webhook.received.get(0).body());
    assertThat(hook.getString("event")).isEqualTo("opened");
    assertThat(hook.getString("band")).isEqualTo("4");
    assertThat(hook.getString("site")).isEqualTo("it-alert");

    // Acknowledge: the alert stays until the effluent complies, but nobody escalates it.
    long id = alert.getLong("id");
    var ack =
        cod.send(
            "POST",
            "/api/alerts/" + id + "/acknowledge",
            "{\"comment\":\"operator dosing more coagulant\"}",
            "application/json");
    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ack.body()).getString("acknowledged_by"))
        .startsWith("inspector.lan-");
    assertThat(
            cod.send("POST", "/api/alerts/" + id + "/acknowledge", "{}", "application/json")
                .statusCode())
        .isEqualTo(409);

    // Recovery: a window at 100 mg/L, clearly below 150 (the empty windows between have no
    // verdict and neither prolong nor end the breach).
    cod.publishWindow(100);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("resolved").size() == 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length == 2);
    assertThat(smtp.getReceivedMessages()[1].getSubject()).contains("Resolved").contains("Đã hết");
    JsonObject history = cod.alert(id);
    assertThat(
            history.getJsonArray("events").stream()
                .map(e -> ((JsonObject) e).getString("event"))
                .toList())
        .containsExactly("opened", "acknowledged", "resolved");

    // Notifier outage: the SMTP server is down when the next breach opens; the e-mail waits in the
    // outbox.
    smtp.stop();
    cod.publishWindow(400);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
    long second = cod.breaches("active").getJsonObject(0).getLong("id");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              JsonObject a = cod.alert(second);
              return a.getJsonArray("notifications").stream()
                  .map(n -> (JsonObject) n)
                  .anyMatch(
                      n ->
                          n.getString("channel").equals("email")
                              && n.getInteger("attempts") >= 1
                              && n.getString("delivered_at") == null);
            });
    // The breach ends while SMTP is still down: its e-mail joins the first in the outbox.
    cod.publishWindow(100);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("resolved").size() == 2);
    smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
    smtp.start();
    // Both e-mails waited out the outage and both arrive.
    await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length == 2);
    List<String> subjects = new ArrayList<>();
    for (MimeMessage m : smtp.getReceivedMessages()) subjects.add(m.getSubject());
    assertThat(subjects)
        .anyMatch(t -> t.contains("Cảnh báo") && t.contains("mức 4")); // 400 / 150 = 2.67
    assertThat(subjects).anyMatch(t -> t.contains("Đã hết") && t.contains("Resolved"));
    JsonObject delayed = cod.alert(second);
    List<JsonObject> emails =
        delayed.getJsonArray("notifications").stream()
            .map(n -> (JsonObject) n)
            .filter(n -> n.getString("channel").equals("email"))
            .toList();
    assertThat(emails).hasSize(2).allMatch(n -> n.getString("delivered_at") != null);
    assertThat(
            emails.stream()
                .filter(n -> n.getString("event").equals("opened"))
                .findFirst()
                .orElseThrow()
                .getInteger("attempts"))
        .as("failed while SMTP was down, then delivered")
        .isGreaterThanOrEqualTo(2);
    // Webhooks were never down: opened and resolved, twice, every one correctly signed.
    await().atMost(Duration.ofSeconds(30)).until(() -> webhook.received.size() == 4);
    assertThat(webhook.received).allMatch(WebhookReceiver.Received::signatureValid);
  }

  @Test
  void silencesAreCreatedListedAndEndedThroughTheApi() throws Exception {
    var missingReason =
        cod.send(
            "POST",
            "/api/silences",
            "{\"station\":\"" + STATION + "\",\"ends_at\":\"2099-01-01T00:00:00+07:00\"}",
            "application/json");
    assertThat(missingReason.statusCode()).isEqualTo(400);
    assertThat(missingReason.body()).contains("reason is required");
    var backwards =
        cod.send(
            "POST",
            "/api/silences",
            "{\"starts_at\":\"2099-01-02T00:00:00+07:00\",\"ends_at\":\"2099-01-01T00:00:00+07:00\","
                + "\"reason\":\"x\"}",
            "application/json");
    assertThat(backwards.statusCode()).isEqualTo(400);
    assertThat(backwards.body()).contains("ends_at must be after starts_at");

    var created =
        cod.send(
            "POST",
            "/api/silences",
            "{\"station\":\"OTHER-OUT\",\"parameter\":\"COD\",\"ends_at\":\"2099-01-01T00:00:00+07:00\","
                + "\"reason\":\"planned COD analyzer calibration\"}",
            "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject silence = new JsonObject(created.body());
    assertThat(silence.getString("created_by")).startsWith("inspector.lan-");
    long id = silence.getLong("id");
    String listed = cod.send("GET", "/api/silences", null, "application/json").body();
    assertThat(listed).contains("planned COD analyzer calibration");
    assertThat(cod.send("DELETE", "/api/silences/" + id, null, "application/json").statusCode())
        .isEqualTo(200);
    assertThat(cod.send("GET", "/api/silences", null, "application/json").body())
        .doesNotContain("\"id\":" + id + ",");
    assertThat(cod.send("DELETE", "/api/silences/" + id, null, "application/json").statusCode())
        .isEqualTo(404);
  }
}

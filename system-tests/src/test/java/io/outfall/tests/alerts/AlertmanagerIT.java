package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Breaches reach the real Prometheus Alertmanager and leave it when they resolve, including across
 * an Alertmanager outage. Needs Debian's {@code prometheus-alertmanager} (CI installs it; set
 * {@code OUTFALL_TEST_REQUIRE_ALERTMANAGER=true} to make its absence a failure).
 */
class AlertmanagerIT {
  static final String STATION = "IT-AM-OUT";
  static final String FILTER = "station=\"" + STATION + "\"";
  static TestServices services;
  static AlertmanagerProcess alertmanager;
  static IngestServer server;
  static TestPublisher gateway;
  static PermitWindows cod;

  @BeforeAll
  static void start() throws Exception {
    Path binary = AlertmanagerProcess.find();
    if (binary == null) {
      if (Boolean.parseBoolean(System.getenv("OUTFALL_TEST_REQUIRE_ALERTMANAGER")))
        throw new IllegalStateException("prometheus-alertmanager is required but not installed");
      Assumptions.abort(
          "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)");
    }
    alertmanager = new AlertmanagerProcess(binary);
    alertmanager.start();
    services = TestServices.get();
    server =
        IngestServer.start(
            services
                .ingestSettings(services.newDatabase("alertmanager"), "alertmanager")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1)
                .with(Setting.ALERTS_NOTIFY, "compliance")
                .with(Setting.ALERTS_ALERTMANAGER_URL, alertmanager.url()));
    gateway = new TestPublisher(services.mqttUrl(), "it-am", "it-am-gw");
    cod = new PermitWindows(STATION, gateway, server.httpPort());
    cod.install();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) gateway.close();
    if (server != null) server.close();
    if (alertmanager != null) alertmanager.close();
    if (services != null) services.dropSession("it-alertmanager");
  }

  @Test
  void breachesFireAndResolveInAlertmanagerThroughAnOutage() throws Exception {
    cod.publishWindow(300); // twice the limit of 150 mg/L
    await().atMost(Duration.ofSeconds(30)).until(() -> alertmanager.alerts(FILTER).size() == 1);
    JsonObject fired = alertmanager.alerts(FILTER).getJsonObject(0);
    JsonObject labels = fired.getJsonObject("labels");
    assertThat(labels.getString("alertname")).isEqualTo("Outfall_breach");
    assertThat(labels.getString("parameter")).isEqualTo("COD");
    assertThat(labels.getString("site")).isEqualTo("it-am");
    assertThat(labels.getString("severity")).isEqualTo("critical");
    assertThat(labels.getString("band")).isEqualTo("4");
    assertThat(fired.getJsonObject("status").getString("state")).isEqualTo("active");
    assertThat(fired.getJsonObject("annotations").getString("description"))
        .contains("Mean value: 300.0 mg/L")
        .contains("Limit (Cmax): 150.0 mg/L");
    assertThat(fired.getJsonObject("annotations").getString("summary_vi"))
        .contains("vượt quy chuẩn");

    // Compliant again: Outfall resolves the alert and Alertmanager stops showing it.
    cod.publishWindow(100);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("resolved").size() == 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> alertmanager.alerts(FILTER).isEmpty());
    long first = cod.breaches("resolved").getJsonObject(0).getLong("id");

    // Outage: Alertmanager is down when the next breach opens; the notification waits.
    alertmanager.stop();
    cod.publishWindow(400);
    await().atMost(Duration.ofSeconds(30)).until(() -> cod.breaches("active").size() == 1);
    long second = cod.breaches("active").getJsonObject(0).getLong("id");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> alertmanagerNotifications(second).get(0).getInteger("attempts") >= 1);
    assertThat(alertmanagerNotifications(second).get(0).getString("delivered_at")).isNull();
    alertmanager.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> alertmanager.alerts(FILTER).size() == 1);
    assertThat(
            alertmanager.alerts(FILTER).getJsonObject(0).getJsonObject("labels").getString("band"))
        .isEqualTo("4"); // 400 / 150 = 2.67

    cod.publishWindow(100);
    await().atMost(Duration.ofSeconds(30)).until(() -> alertmanager.alerts(FILTER).isEmpty());
    // Counted: four alert changes called for Alertmanager (two openings, two resolutions); four
    // were delivered, none is left waiting.
    List<JsonObject> all =
        Stream.concat(
                alertmanagerNotifications(first).stream(),
                alertmanagerNotifications(second).stream())
            .toList();
    assertThat(all).hasSize(4).allMatch(n -> n.getString("delivered_at") != null);
    assertThat(all.stream().map(n -> n.getString("event")).sorted())
        .containsExactly("opened", "opened", "resolved", "resolved");
  }

  private static List<JsonObject> alertmanagerNotifications(long alertId) {
    return cod.alert(alertId).getJsonArray("notifications").stream()
        .map(n -> (JsonObject) n)
        .filter(n -> n.getString("channel").equals("alertmanager"))
        .toList();
  }
}

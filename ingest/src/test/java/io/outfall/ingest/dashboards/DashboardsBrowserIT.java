package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.testing.Chromium;
import io.outfall.ingest.testing.Probe;
import io.outfall.ingest.testing.TestPublisher;
import io.outfall.ingest.testing.TestServices;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboards in a real Chromium against a real broker and database: the operator page draws its
 * charts, shows a reading published while it is open, and acknowledges an alert; the overview shows
 * the plant in breach and opens its breach history; both fit a phone and speak Vietnamese.
 * Screenshots land in target/screenshots/.
 */
class DashboardsBrowserIT {
  static final String SITE = "it-ui";
  static final String STATION = "IT-UI-OUT";
  static TestServices services;
  static IngestServer server;
  static TestPublisher gateway;
  static String base;
  static long breachAlert;
  static long lastTs;
  ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    String db = services.newDatabase("ui");
    server =
        IngestServer.start(
            services.ingestSettings(db, "ui").with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
    base = "http://127.0.0.1:" + server.httpPort();
    gateway = new TestPublisher(services.mqttUrl(), SITE, "it-ui-gw");

    // Two hours at one reading a minute; COD calibrating 40..30 min ago, pH in fault 20..15 min
    // ago.
    long now = System.currentTimeMillis() / 60_000 * 60_000;
    List<Reading> history = new ArrayList<>();
    for (long t = now - 2 * 3_600_000L; t < now; t += 60_000) {
      long ago = (now - t) / 60_000;
      DeviceStatus cod = ago <= 40 && ago > 30 ? DeviceStatus.CALIBRATING : DeviceStatus.MEASURING;
      DeviceStatus ph = ago <= 20 && ago > 15 ? DeviceStatus.FAULT : DeviceStatus.MEASURING;
      history.add(new Reading(STATION, "COD", t, 60 + (ago % 7), "mg/L", cod));
      history.add(new Reading(STATION, "pH", t, 7.2, "pH", ph));
      history.add(new Reading(STATION, "TSS", t, 30 + (ago % 5), "mg/L", DeviceStatus.MEASURING));
      history.add(new Reading(STATION, "flow_out", t, 42, "m3/h", DeviceStatus.MEASURING));
      history.add(
          new Reading(
              STATION, "energy", t, 1000 + (120 - ago) * 0.5, "kWh", DeviceStatus.MEASURING));
      history.add(
          new Reading(
              STATION, "chemical_dose", t, 200 + (120 - ago) * 0.1, "kg", DeviceStatus.MEASURING));
    }
    for (int i = 0; i < history.size(); i += 300)
      gateway.publish(batch(history.subList(i, Math.min(history.size(), i + 300))));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Probe.metric(server.httpPort(), "outfall_readings_stored_total") >= history.size());

    // A permit on 10-second windows, then one window of COD at 400 mg/L: a breach opens.
    String permit =
        "station: "
            + STATION
            + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD, pH]\naveraging: PT10S\n";
    assertThat(send("PUT", "/api/permits/" + STATION, permit).statusCode()).isEqualTo(200);
    long window = Math.floorDiv(System.currentTimeMillis(), 10_000) * 10_000 + 10_000;
    List<Reading> breach = new ArrayList<>();
    for (int i = 0; i < 10; i++)
      breach.add(
          new Reading(STATION, "COD", window + 1000L * i, 400, "mg/L", DeviceStatus.MEASURING));
    gateway.publish(batch(breach));
    lastTs = window + 9_000;
    await().atMost(Duration.ofSeconds(40)).until(() -> breachId() > 0);
    breachAlert = breachId();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) gateway.close();
    if (server != null) server.close();
    services.dropSession("it-ui");
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) browser.quit();
  }

  @Test
  void operatorPageDrawsChartsShowsALiveReadingAndAcknowledgesAnAlert() throws Exception {
    browser = Chromium.start(1280, 2000);
    browser.get(base + "/?station=" + STATION);
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(d -> d.findElements(By.cssSelector("#charts .chart canvas")).size() >= 6);
    // limit line and shaded calibration are drawn from the permit and the buckets
    assertThat(js("return document.querySelectorAll('#charts .chart').length")).isEqualTo(6L);
    assertThat(text("#tiles [data-parameter='COD'] .limit")).contains("150");
    wait.until(d -> d.findElement(By.id("live")).getAttribute("class").contains("on"));
    Chromium.screenshot(browser, "operator-before-live");

    // A reading published now appears on its tile and extends its chart, without a reload.
    long ts = Math.max(System.currentTimeMillis(), lastTs + 1000);
    gateway.publish(
        batch(List.of(new Reading(STATION, "TSS", ts, 77.7, "mg/L", DeviceStatus.MEASURING))));
    wait.until(d -> text("#tiles [data-parameter='TSS'] .value").contains("77.7"));
    wait.until(
        d -> String.valueOf(ts).equals(attr("#charts .chart[data-parameter='TSS']", "data-live")));
    assertThat(js("return performance.getEntriesByType('navigation').length")).isEqualTo(1L);

    // The open breach is acknowledged from the page, by name.
    String row = "#alerts tr[data-alert='" + breachAlert + "']";
    wait.until(d -> !d.findElements(By.cssSelector(row + " button.ack")).isEmpty());
    browser.findElement(By.id("user")).sendKeys("Lan (operator)");
    browser.findElement(By.cssSelector(row + " button.ack")).click();
    try {
      wait.until(d -> text(row).contains("Lan (operator)"));
    } catch (RuntimeException e) {
      Chromium.screenshot(browser, "operator-ack-failed");
      throw new AssertionError("row: " + text(row) + "; error: " + text("#error"), e);
    }
    JsonObject alert =
        new JsonObject(Probe.get(server.httpPort(), "/api/alerts/" + breachAlert).body());
    assertThat(alert.getString("state")).isEqualTo("acknowledged");
    assertThat(alert.getString("acknowledged_by")).isEqualTo("Lan (operator)");
    Chromium.screenshot(browser, "operator");
  }

  @Test
  void overviewShowsThePlantInBreachAndOpensItsHistory() throws Exception {
    browser = Chromium.start(1280, 1200);
    browser.get(base + "/overview.html");
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    String row = "#plants tr[data-station='" + STATION + "']";
    wait.until(d -> !d.findElements(By.cssSelector(row + " .badge.breach")).isEmpty());
    assertThat(text("#share-detail")).isEqualTo("0 / 1");
    assertThat(text("#worst")).contains(STATION);
    browser.findElement(By.cssSelector(row)).click();
    wait.until(d -> d.findElement(By.id("history-box")).isDisplayed());
    wait.until(d -> text("#history").contains("Chemical oxygen demand"));
    assertThat(text("#history")).contains("×");
    Chromium.screenshot(browser, "overview");
    // drill-down to the station page
    browser.findElement(By.cssSelector(row + " a")).click();
    wait.until(d -> d.getCurrentUrl().contains("station=" + STATION));
    wait.until(d -> d.findElements(By.cssSelector("#charts .chart canvas")).size() >= 6);
  }

  @Test
  void pagesFitAPhoneAndSpeakVietnamese() throws Exception {
    browser = Chromium.start(390, 844);
    browser.get(base + "/?station=" + STATION);
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(d -> d.findElements(By.cssSelector("#charts .chart canvas")).size() >= 6);
    assertThat((Long) js("return document.documentElement.scrollWidth - window.innerWidth"))
        .isLessThanOrEqualTo(0L);
    Chromium.screenshot(browser, "operator-phone-en");
    browser.findElement(By.id("lang")).click();
    wait.until(d -> text("header nav").contains("Vận hành"));
    wait.until(d -> d.findElements(By.cssSelector("#charts .chart canvas")).size() >= 6);
    assertThat(text("#tiles [data-parameter='COD'] .name")).isEqualTo("Nhu cầu oxy hóa học");
    Chromium.screenshot(browser, "operator-phone-vi");
    browser.get(base + "/overview.html");
    wait.until(d -> text("#plants").contains("Vượt chuẩn"));
    assertThat((Long) js("return document.documentElement.scrollWidth - window.innerWidth"))
        .isLessThanOrEqualTo(0L);
    Chromium.screenshot(browser, "overview-phone-vi");
    browser.findElement(By.id("lang")).click(); // back to English for the other tests' browsers
  }

  private Object js(String script) {
    return browser.executeScript(script);
  }

  // Read through script, in one step: the page re-renders tiles on every live notice, so a
  // located element may be replaced before its text is read.
  private String text(String css) {
    Object v =
        browser.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
    return v == null ? "" : v.toString();
  }

  private String attr(String css, String name) {
    Object v =
        browser.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
            css,
            name);
    return v == null ? null : v.toString();
  }

  private static ReadingsBatch batch(List<Reading> readings) {
    return new ReadingsBatch(
        gateway.gateway, System.nanoTime(), System.currentTimeMillis(), readings);
  }

  private static long breachId() {
    var items =
        new JsonObject(
                Probe.get(server.httpPort(), "/api/alerts?station=" + STATION + "&kind=breach")
                    .body())
            .getJsonArray("items");
    return items.isEmpty() ? 0 : items.getJsonObject(0).getLong("id");
  }

  private static HttpResponse<String> send(String method, String path, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "text/yaml")
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}

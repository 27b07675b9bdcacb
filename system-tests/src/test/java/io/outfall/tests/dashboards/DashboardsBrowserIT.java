package io.outfall.tests.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
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
// CI runs it on the embedded stack too: the pages a demo user sees
@Tag("demo-stack")
class DashboardsBrowserIT {
  static final String STATION = SeededPlant.STATION;
  static SeededPlant plant;
  ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    plant = SeededPlant.start("ui");
  }

  @AfterAll
  static void stop() throws Exception {
    plant.close();
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) browser.quit();
  }

  @Test
  void operatorPageDrawsChartsShowsALiveReadingAndAcknowledgesAnAlert() throws Exception {
    browser = Chromium.start(1280, 2000);
    // Lan operates this plant's site: she signs in through the login page the operator page
    // sends her to, and lands back on it.
    Probe.user(plant.port(), "lan", "lan's long password", "operator", plant.gateway.site);
    Chromium.logIn(browser, plant.base, "/?station=" + STATION, "lan", "lan's long password");
    assertThat(browser.getCurrentUrl()).endsWith("/?station=" + STATION);
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(d -> d.findElements(By.cssSelector("#charts .chart canvas")).size() >= 6);
    // limit line and shaded calibration are drawn from the permit and the buckets
    assertThat(js("return document.querySelectorAll('#charts .chart').length")).isEqualTo(6L);
    // tiles and charts load side by side: the charts may be drawn before the tiles are
    wait.until(d -> text("#tiles [data-parameter='COD'] .limit").contains("150"));
    wait.until(d -> d.findElement(By.id("live")).getAttribute("class").contains("on"));
    Chromium.screenshot(browser, "operator-before-live");

    // A reading published now appears on its tile and extends its chart, without a reload.
    long ts = Math.max(System.currentTimeMillis(), plant.lastTs + 1000);
    plant.gateway.publish(
        plant.batch(
            List.of(new Reading(STATION, "TSS", ts, 77.7, "mg/L", DeviceStatus.MEASURING))));
    wait.until(d -> text("#tiles [data-parameter='TSS'] .value").contains("77.7"));
    wait.until(
        d -> String.valueOf(ts).equals(attr("#charts .chart[data-parameter='TSS']", "data-live")));
    assertThat(js("return performance.getEntriesByType('navigation').length")).isEqualTo(1L);

    // The open breach is acknowledged from the page, by name.
    String row = "#alerts tr[data-alert='" + plant.breachAlert + "']";
    wait.until(d -> !d.findElements(By.cssSelector(row + " button.ack")).isEmpty());
    assertThat(text("#user")).contains("lan (operator)");
    // the overview is hers too (her own site's part); the engineers' page is not: its link hidden
    assertThat(browser.findElement(By.cssSelector("nav a[href='/overview.html']")).isDisplayed())
        .isTrue();
    assertThat(browser.findElement(By.cssSelector("nav a[href='/configs.html']")).isDisplayed())
        .isFalse();
    browser.findElement(By.cssSelector(row + " button.ack")).click();
    try {
      wait.until(d -> text(row).contains("lan"));
    } catch (RuntimeException e) {
      Chromium.screenshot(browser, "operator-ack-failed");
      throw new AssertionError("row: " + text(row) + "; error: " + text("#error"), e);
    }
    JsonObject alert =
        new JsonObject(Probe.get(plant.port(), "/api/alerts/" + plant.breachAlert).body());
    assertThat(alert.getString("state")).isEqualTo("acknowledged");
    assertThat(alert.getString("acknowledged_by")).isEqualTo("lan");
    Chromium.screenshot(browser, "operator");

    // Her station's files to the department: transmitting, the last one sent, what waits.
    await().atMost(Duration.ofSeconds(40)).until(() -> !plant.department.arrivals().isEmpty());
    browser.navigate().refresh();
    wait.until(d -> !d.findElements(By.cssSelector("#transmission [data-file]")).isEmpty());
    assertThat(text("#transmission"))
        .contains("Transmitting every 10 s", plant.department.url().replaceAll(":[^:@/]*@", "@"));
    assertThat(plant.department.arrivals())
        .contains(attr("#transmission [data-file]", "data-file"));
    assertThat(attr("#transmission [data-backlog]", "data-backlog")).matches("\\d+");
    Chromium.screenshot(browser, "operator-transmission");
  }

  @Test
  void overviewShowsThePlantInBreachAndOpensItsHistory() throws Exception {
    browser = Chromium.start(1280, 1200);
    Chromium.signIn(browser, plant.base, TestServices.adminToken());
    browser.get(plant.base + "/overview.html");
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    String row = "#plants tr[data-station='" + STATION + "']";
    wait.until(d -> !d.findElements(By.cssSelector(row + " .badge.breach")).isEmpty());
    assertThat(text("#share-detail")).startsWith("0 / 1"); // then what the rest are: "· 1 breach"
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
    Chromium.signIn(browser, plant.base, TestServices.adminToken());
    browser.get(plant.base + "/?station=" + STATION);
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
    browser.get(plant.base + "/overview.html");
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
}

package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.gateway.Gateway;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Probe;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The engineers' page in a real Chromium, against a real broker, database and gateway: a bad
 * version is refused naming the field, good ones are stored with their diff, one is deployed to the
 * gateway and followed to "applied" on the open page, an earlier one is rolled back to, a tag is
 * set, and the audit log names the engineer. Then the page on a phone, in Vietnamese.
 */
// CI runs it on the embedded stack too: the pages a demo user sees
@Tag("demo-stack")
class ConfigsPageBrowserIT {
  static final String SITE = "it-configs-ui";
  ChromeDriver browser;

  @AfterEach
  void closeBrowser() {
    if (browser != null) browser.quit();
  }

  @Test
  void engineerStoresDeploysFollowsAndRollsBackFromThePage() throws Exception {
    browser = Chromium.start(1280, 2400);
    try (PlantRig rig = PlantRig.start("configs_ui", "CFG-UI-OUT")) {
      int port = rig.server.httpPort();
      String key =
          new JsonObject(Probe.get(port, "/api/config-signing-key").body()).getString("public_key");
      Files.createDirectories(rig.dir.resolve("gw-ui"));
      String local =
          rig.gatewayYaml("gw-ui", SITE, Duration.ofSeconds(1))
                  .replace(
                      rig.dir.resolve("buffer.db").toString(),
                      rig.dir.resolve("gw-ui").resolve("buffer.db").toString())
              + "remote: {config_key: \""
              + key
              + "\", apply_grace: 3s}\n";
      try (Gateway gw = Gateway.start(GatewayConfigYaml.parse(local))) {
        run(rig, gw);
      } catch (RuntimeException | AssertionError e) {
        Chromium.screenshot(browser, "configs-failed");
        throw new AssertionError("page error: '" + text("#error") + "'", e);
      }
    }
  }

  private void run(PlantRig rig, Gateway gw) throws Exception {
    int port = rig.server.httpPort();
    {
      var wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.until(d -> Probe.get(port, "/api/gateways").body().contains("\"gw-ui\""));
      // Minh, an engineer, signs in through the login page
      Probe.user(port, "minh", "minh's long password", "engineer");
      Chromium.logIn(
          browser, "http://127.0.0.1:" + port, "/configs.html", "minh", "minh's long password");
      wait.until(d -> !d.findElements(By.cssSelector("#configs tbody tr")).isEmpty());

      // A bad version is refused with the path of the bad field; nothing is stored.
      String v1 = RemoteConfigIT.remoteYaml("ui-1", rig.modbusPort, 500, "outlet");
      fill("new-name", "plant");
      fill("new-yaml", v1.replace("register: 0,", "register: -3,"));
      click("validate");
      wait.until(d -> text("#new-result").contains("devices[0].points[0].register"));
      click("save");
      wait.until(d -> !text("#error").isEmpty());
      assertThat(text("#error")).contains("devices[0].points[0].register");

      // Two good versions: stored, listed, the second's diff shows what changed.
      fill("new-yaml", v1);
      click("validate");
      wait.until(d -> text("#new-result").contains("ui-1"));
      click("save");
      wait.until(d -> text("#new-result").contains("plant #1"));
      fill("new-message", "faster polling");
      fill("new-yaml", v1.replace("ui-1", "ui-2").replace("period: 500ms", "period: 400ms"));
      click("save");
      wait.until(d -> text("#new-result").contains("plant #2"));
      wait.until(d -> text("#diff .del").contains("- version: ui-1"));
      assertThat(text("#diff")).contains("+ version: ui-2", "+     period: 400ms");
      assertThat(text("#history")).contains("faster polling", "minh");

      // Deploy #2 to the gateway and watch it arrive, on the page as it is.
      wait.until(
          d ->
              new Select(d.findElement(By.id("dep-seq")))
                  .getFirstSelectedOption()
                  .getText()
                  .startsWith("#2"));
      fill("dep-target", SITE + "/gw-ui");
      click("deploy");
      String gatewayRow = "#rollout-gateways tr[data-gateway='gw-ui']";
      wait.until(d -> text(gatewayRow + " .state").equals("Applied"));
      wait.until(d -> text("#rollouts tbody tr:first-child .state").equals("Completed"));
      assertThat(gw.activeConfig().version()).isEqualTo("ui-2");
      Chromium.screenshot(browser, "configs-deployed");

      // Roll back to #1 from the page.
      new Select(browser.findElement(By.id("dep-seq"))).selectByValue("1");
      click("rollback");
      wait.until(d -> text("#rollouts tbody tr:first-child").contains("Rollback"));
      wait.until(d -> text("#rollouts tbody tr:first-child .state").equals("Completed"));
      assertThat(text(gatewayRow + " .state")).isEqualTo("Applied");
      assertThat(text(gatewayRow)).contains("ui-2"); // the version it ran before
      assertThat(gw.activeConfig().version()).isEqualTo("ui-1");

      // A tag, then the audit log names who did what.
      fill("tag-name", "pilot");
      fill("tag-gateways", SITE + "/gw-ui");
      click("tag-save");
      wait.until(d -> text("#tags").contains("tag:pilot"));
      wait.until(d -> text("#audit").contains("Rollback"));
      assertThat(text("#audit")).contains("minh", "Store version", "Deploy", "Tag");
      assertThat(browser.executeScript("return performance.getEntriesByType('navigation').length"))
          .isEqualTo(1L);

      // On a phone, in Vietnamese: nothing wider than the screen.
      browser.manage().window().setSize(new Dimension(390, 844));
      click("lang");
      wait.until(d -> text("header nav").contains("Cấu hình gateway"));
      wait.until(d -> text("#rollouts tbody tr:first-child .state").equals("Hoàn tất"));
      assertThat(
              (Long)
                  browser.executeScript(
                      "return document.documentElement.scrollWidth - window.innerWidth"))
          .isLessThanOrEqualTo(0L);
      Chromium.screenshot(browser, "configs-phone-vi");

      // An inspector reads the same page without the forms he could not use.
      browser.manage().deleteAllCookies();
      browser.manage().window().setSize(new Dimension(1280, 2400));
      Probe.user(port, "thanh", "thanh's long password", "inspector");
      Chromium.logIn(
          browser, "http://127.0.0.1:" + port, "/configs.html", "thanh", "thanh's long password");
      wait.until(d -> !d.findElements(By.cssSelector("#rollouts tbody tr")).isEmpty());
      wait.until(d -> d.findElement(By.id("read-only")).isDisplayed());
      for (String id : List.of("new-yaml", "save", "deploy", "rollback", "tag-save"))
        assertThat(browser.findElement(By.id(id)).isDisplayed()).as(id).isFalse();
      assertThat(text("#audit")).contains("minh");
    }
  }

  private void fill(String id, String value) {
    WebElement e = browser.findElement(By.id(id));
    e.clear();
    // sendKeys would let the textarea auto-indent nothing, but is slow for long YAML: set it.
    browser.executeScript("arguments[0].value = arguments[1];", e, value);
  }

  private void click(String id) {
    browser.findElement(By.id(id)).click();
  }

  private String text(String css) {
    // in one script: the page re-renders its tables every 2 s, so an element found in one call
    // may be gone by the next
    Object t =
        browser.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
    return String.valueOf(t).trim();
  }
}

package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.IngestServer;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The users page in a real Chromium: an admin creates an operator, resets her password (shown once,
 * and it works), disables her (her logins refused) and enables her again, issues her a token, and
 * changes his own password; the operator sees only the part for her own password. Every change is
 * in the access audit under the admin's name.
 */
// CI runs it on the embedded stack too: a demo user manages people here
@Tag("demo-stack")
class UsersPageBrowserIT {
  static TestServices services;
  static IngestServer server;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();
  ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    server =
        IngestServer.start(services.ingestSettings(services.newDatabase("users_ui"), "users-ui"));
    base = "http://127.0.0.1:" + server.httpPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
    services.dropSession("it-users-ui");
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) browser.quit();
  }

  @Test
  void anAdminManagesPeopleAndEveryoneTheirOwnPassword() throws Exception {
    browser = Chromium.start(1280, 1600);
    var wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    Probe.user(server.httpPort(), "an", "an's first long password", "admin");
    try {
      Chromium.logIn(browser, base, "/users.html", "an", "an's first long password");
      wait.until(d -> !text("#users tbody").isEmpty());

      // a new operator for one site
      fill("nu-name", "binh");
      new Select(browser.findElement(By.id("nu-role"))).selectByValue("operator");
      fill("nu-sites", "it-site-x");
      fill("nu-password", "binh's first password");
      browser.findElement(By.id("nu-save")).click();
      String row = "#users tr[data-user='binh']";
      wait.until(d -> text(row).contains("it-site-x"));
      assertThat(text(row)).contains("Operator", "Enabled");
      assertThat(login("binh", "binh's first password")).isEqualTo(200);

      // she lost it: a new one, shown once, and it is the one that works
      click(row + " button[data-action='reset_password']");
      wait.until(d -> !text("#secret-value").isEmpty());
      String reset = text("#secret-value");
      assertThat(reset).hasSize(20);
      assertThat(login("binh", "binh's first password")).isEqualTo(401);
      assertThat(login("binh", reset)).isEqualTo(200);

      // disabled: refused; enabled: back
      click(row + " button[data-action='disable']");
      wait.until(d -> text(row + " .state").equals("Disabled"));
      assertThat(login("binh", reset)).isEqualTo(401);
      click(row + " button[data-action='enable']");
      wait.until(d -> text(row + " .state").equals("Enabled"));
      assertThat(login("binh", reset)).isEqualTo(200);

      // a token for her scripts, shown once, and it is hers
      click(row + " button[data-action='issue_token']");
      wait.until(d -> text("#secret").contains("API token"));
      String token = text("#secret-value");
      var me = new JsonObject(get("/api/me", token).body());
      assertThat(me.getString("username")).isEqualTo("binh");

      // her live tokens and sessions (she signed in above): the token ended from the page is
      // refused
      click(row + " button[data-action='tokens']");
      wait.until(d -> text("#tokens").contains("issued on the users page"));
      assertThat(text("#tokens")).contains("Session");
      browser.executeScript(
          "[...document.querySelectorAll('#tokens tbody tr')]"
              + ".find(r => r.innerText.includes('issued on the users page'))"
              + ".querySelector('button').click()");
      wait.until(d -> !text("#tokens").contains("issued on the users page"));
      assertThat(get("/api/me", token).statusCode()).isEqualTo(401);
      // and his own: the session he is using now
      assertThat(text("#own-tokens")).contains("Session", "web login");

      // his own password
      fill("own-current", "an's first long password");
      fill("own-new", "an's second long password");
      browser.findElement(By.id("own-save")).click();
      wait.until(d -> text("#own-result").contains("Password changed"));
      assertThat(login("an", "an's first long password")).isEqualTo(401);
      assertThat(login("an", "an's second long password")).isEqualTo(200);
      Chromium.screenshot(browser, "users-admin");

      // the operator sees her own part only
      browser.manage().deleteAllCookies();
      Chromium.logIn(browser, base, "/users.html", "binh", reset);
      wait.until(d -> text("#user").contains("binh"));
      assertThat(browser.findElement(By.id("admin")).isDisplayed()).isFalse();
      assertThat(browser.findElement(By.id("own")).isDisplayed()).isTrue();

      String audit = get("/api/access-audit?limit=200", TestServices.adminToken()).body();
      assertThat(audit)
          .contains(
              "\"user_reset_password\"",
              "\"user_disable\"",
              "\"user_enable\"",
              "\"password_change\"",
              "\"token_issue\"",
              "\"token_revoke\"");
    } catch (RuntimeException | AssertionError e) {
      Chromium.screenshot(browser, "users-failed");
      throw new AssertionError("page error: '" + text("#error") + "'", e);
    }
  }

  private int login(String user, String password) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/login"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("username", user).put("password", password).encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void fill(String id, String value) {
    var e = browser.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  private void click(String css) {
    browser.findElement(By.cssSelector(css)).click();
  }

  private String text(String css) {
    return Chromium.text(browser, css);
  }
}

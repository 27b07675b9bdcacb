package io.outfall.tests.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real Chromium for UI tests: Debian's {@code chromium} driven through Debian's {@code
 * chromedriver} (or {@code OUTFALL_TEST_CHROMIUM} / {@code OUTFALL_TEST_CHROMEDRIVER}); nothing is
 * downloaded. Without them the test is skipped, unless {@code OUTFALL_TEST_REQUIRE_CHROMIUM=true}
 * (CI) makes that a failure. Screenshots go to {@code target/screenshots/}.
 */
public final class Chromium {
  private Chromium() {}

  public static ChromeDriver start(int width, int height) {
    String browser = env("OUTFALL_TEST_CHROMIUM", "/usr/bin/chromium");
    String driver = env("OUTFALL_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    boolean present = new File(browser).canExecute() && new File(driver).canExecute();
    if (!present && Boolean.parseBoolean(System.getenv("OUTFALL_TEST_REQUIRE_CHROMIUM")))
      throw new AssertionError(
          "chromium and chromedriver are required here: " + browser + ", " + driver);
    Assumptions.assumeTrue(present, "no chromium/chromedriver at " + browser + ", " + driver);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser);
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // tests run as root in CI
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=en-GB",
        "--window-size=" + width + "," + height);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(new File(driver)).build();
    ChromeDriver d = new ChromeDriver(service, options);
    d.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return d;
  }

  /**
   * Signs in with a token as the session cookie (what the login page would set): for tests about
   * something other than signing in.
   */
  public static void signIn(ChromeDriver d, String base, String token) {
    d.get(base + "/login.html");
    d.manage().addCookie(new Cookie("outfall_session", token, "/"));
  }

  /**
   * Signs in through the login page, as a person would, starting from {@code page}: the page sends
   * the browser to the login page, which sends it back after the login.
   */
  public static void logIn(ChromeDriver d, String base, String page, String user, String password) {
    d.get(base + page);
    var wait = new WebDriverWait(d, Duration.ofSeconds(20));
    wait.until(x -> x.getCurrentUrl().contains("/login.html?next="));
    d.findElement(By.id("username")).sendKeys(user);
    d.findElement(By.id("password")).sendKeys(password);
    d.findElement(By.id("submit")).click();
    wait.until(x -> !x.getCurrentUrl().contains("/login.html"));
  }

  /**
   * The text of the first element matching {@code css}, or "" if none, read in one script: pages
   * re-render their tables, so an element found in one call may be gone by the next.
   */
  public static String text(ChromeDriver d, String css) {
    Object t =
        d.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
    return String.valueOf(t).trim();
  }

  /** Saves a PNG of the page as target/screenshots/{name}.png and returns its path. */
  public static Path screenshot(ChromeDriver d, String name) throws Exception {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Path out = dir.resolve(name + ".png");
    Files.write(out, ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
    return out;
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}

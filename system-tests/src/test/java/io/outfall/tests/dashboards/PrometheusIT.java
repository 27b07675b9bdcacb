package io.outfall.tests.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Debian's Prometheus scrapes a real ingest's /metrics: {@code promtool check metrics} finds
 * nothing to complain about, the ingest counter comes back through Prometheus's HTTP API, and every
 * expression of the Grafana ingest-health dashboard is valid PromQL that Prometheus answers.
 * Skipped without prometheus/promtool unless {@code OUTFALL_TEST_REQUIRE_PROMETHEUS=true} (CI).
 */
class PrometheusIT {
  static SeededPlant plant;
  static Process prometheus;
  static int prometheusPort;
  static Path dir;
  static String scrapeToken;

  @BeforeAll
  static void start() throws Exception {
    boolean present =
        new File("/usr/bin/prometheus").canExecute() && new File("/usr/bin/promtool").canExecute();
    if (!present && Boolean.parseBoolean(System.getenv("OUTFALL_TEST_REQUIRE_PROMETHEUS")))
      throw new AssertionError(
          "prometheus and promtool (Debian package prometheus) are required here");
    Assumptions.assumeTrue(present, "no /usr/bin/prometheus or /usr/bin/promtool");
    plant = SeededPlant.start("prom");
    dir = Files.createTempDirectory("outfall-prometheus");
    // Prometheus scrapes with a dedicated scrape token, as a deployment would
    var issued =
        Probe.send(
            Probe.request(URI.create(plant.base + "/api/tokens"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"prometheus\",\"kind\":\"scrape\"}")));
    assertThat(issued.status()).as(issued.body()).isEqualTo(201);
    scrapeToken = new JsonObject(issued.body()).getString("token");
    Files.writeString(
        dir.resolve("prometheus.yml"),
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            + "scrape_configs:\n  - job_name: outfall\n    metrics_path: /metrics\n"
            + "    authorization: {credentials: '"
            + scrapeToken
            + "'}\n"
            + "    static_configs:\n      - targets: ['127.0.0.1:"
            + plant.port()
            + "']\n");
    prometheusPort = TestServices.freePort();
    prometheus =
        new ProcessBuilder(
                "/usr/bin/prometheus",
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.get(prometheusPort, "/-/ready").status() == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor(10, TimeUnit.SECONDS);
    }
    if (plant != null) plant.close();
  }

  @Test
  void promtoolFindsNothingWrongWithTheMetrics() throws Exception {
    Path scrape = dir.resolve("metrics.txt");
    Files.writeString(scrape, Probe.get(plant.port(), "/metrics").body());
    Process check =
        new ProcessBuilder("/usr/bin/promtool", "check", "metrics")
            .redirectInput(scrape.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).isEmpty();
    assertThat(check.exitValue()).isZero();
  }

  /**
   * The alerting rules that docs/operations.md recommends are valid, and each names only metrics
   * ingest really exposes.
   */
  @Test
  void theRulesInTheOperationsGuideAreValidAndNameRealMetrics() throws Exception {
    String guide = Files.readString(Path.of("../docs/operations.md"));
    var blocks =
        Pattern.compile("```yaml\n(groups:.*?)```", Pattern.DOTALL)
            .matcher(guide)
            .results()
            .map(m -> m.group(1))
            .toList();
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(2);
    String metrics = Probe.get(plant.port(), "/metrics").body();
    for (int i = 0; i < blocks.size(); i++) {
      Path rules = Files.writeString(dir.resolve("rules-" + i + ".yml"), blocks.get(i));
      Process check =
          new ProcessBuilder("/usr/bin/promtool", "check", "rules", rules.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(check.exitValue()).as(out).isZero();
      // gateway series appear only once a gateway reports; the others are always there
      Matcher names = Pattern.compile("outfall_[a-z_]+").matcher(blocks.get(i));
      while (names.find())
        if (!names.group().startsWith("outfall_gateway_"))
          assertThat(metrics).as("exposes " + names.group()).contains(names.group());
    }
  }

  @Test
  void prometheusScrapesTheIngestCounter() {
    double stored = Probe.metric(plant.port(), "outfall_readings_stored_total");
    assertThat(stored).isGreaterThanOrEqualTo(SeededPlant.HISTORY_MINUTES * 6);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> value(query("outfall_readings_stored_total{job=\"outfall\"}")) >= stored);
    assertThat(value(query("up{job=\"outfall\"}"))).isEqualTo(1.0);
  }

  @Test
  void everyIngestHealthPanelIsAValidQueryWithAnAnswer() throws Exception {
    // rates need two scrapes inside their window
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !query("rate(outfall_readings_stored_total[30s])")
                    .getJsonArray("result")
                    .isEmpty());
    var promql =
        GrafanaDashboards.queries().stream()
            .filter(q -> q.datasource().equals("prometheus"))
            .toList();
    assertThat(promql).hasSizeGreaterThanOrEqualTo(10);
    int answered = 0;
    for (var q : promql) {
      JsonObject data = query(GrafanaDashboards.expandPromql(q.text())); // fails on a bad query
      if (!data.getJsonArray("result").isEmpty()) answered++;
    }
    // Only rejection, gateway and skew series may be absent: nothing was rejected, no gateway
    // reports.
    assertThat(answered).isGreaterThanOrEqualTo(promql.size() - 4);
  }

  private static JsonObject query(String promql) {
    var a =
        Probe.get(
            prometheusPort,
            "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonObject body = new JsonObject(a.body());
    if (a.status() != 200 || !"success".equals(body.getString("status")))
      throw new AssertionError(promql + " -> " + a.status() + " " + a.body());
    return body.getJsonObject("data");
  }

  private static double value(JsonObject data) {
    var result = data.getJsonArray("result");
    if (result.isEmpty()) return -1;
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }
}

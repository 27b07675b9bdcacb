package io.outfall.tests.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.zip.GZIPInputStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API over real storage: health, stations, raw and bucketed readings, errors, metrics. */
class HttpApiIT {
  static TestServices services;
  static IngestServer server;
  static int port;
  // 600 readings, one per second from a whole hour in UTC: 10 minutes of data.
  static final Instant BASE =
      Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    String db = services.newDatabase("api");
    server = IngestServer.start(services.ingestSettings(db, "api"));
    port = server.httpPort();
    try (var gw = new TestPublisher(services.mqttUrl(), "it-api", "it-api-gw")) {
      for (int i = 0; i < 6; i++) gw.publish(gw.batch("IT-API-OUT", BASE.toEpochMilli(), i, 100));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.get(port, "/api/stations?site=it-api").body().contains("IT-API-OUT"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.metric(port, "outfall_readings_stored_total") >= 600);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    services.dropSession("it-api");
  }

  @Test
  void healthIsUpWithBrokerAndDatabaseState() {
    var a = Probe.get(port, "/api/health");
    assertThat(a.status()).isEqualTo(200);
    JsonObject body = new JsonObject(a.body());
    assertThat(body.getString("status")).isEqualTo("up");
    assertThat(body.getJsonObject("broker").getString("status")).isEqualTo("up");
    assertThat(body.getJsonObject("database").getString("status")).isEqualTo("up");
  }

  @Test
  void stationsListTheirSiteAndParameters() {
    JsonObject body = new JsonObject(Probe.get(port, "/api/stations?site=it-api").body());
    JsonObject s = body.getJsonArray("items").getJsonObject(0);
    assertThat(s.getString("code")).isEqualTo("IT-API-OUT");
    assertThat(s.getString("site")).isEqualTo("it-api");
    assertThat(s.getJsonArray("parameters").getList()).containsExactly("COD");
    assertThat(s.getString("first_reading")).isEqualTo(BASE.toString());
  }

  @Test
  void rawReadingsPageWithACursor() {
    String q =
        "/api/stations/IT-API-OUT/readings?parameter=COD&from="
            + BASE
            + "&to="
            + BASE.plusSeconds(3600)
            + "&limit=250";
    JsonObject page1 = new JsonObject(Probe.get(port, q).body());
    var points = page1.getJsonArray("series").getJsonObject(0).getJsonArray("points");
    assertThat(points).hasSize(250);
    assertThat(page1.getBoolean("truncated")).isTrue();
    assertThat(page1.getString("next_from")).isEqualTo(BASE.plusMillis(249_001).toString());
    JsonObject first = points.getJsonObject(0);
    assertThat(first.getString("ts")).isEqualTo(BASE.toString());
    assertThat(first.getString("status")).isEqualTo("00");

    int total = 0;
    String from = BASE.toString();
    while (from != null) {
      JsonObject page =
          new JsonObject(
              Probe.get(
                      port,
                      "/api/stations/IT-API-OUT/readings?parameter=COD&from="
                          + from
                          + "&to="
                          + BASE.plusSeconds(3600)
                          + "&limit=250")
                  .body());
      total += page.getJsonArray("series").getJsonObject(0).getJsonArray("points").size();
      from = page.getString("next_from");
    }
    assertThat(total).isEqualTo(600);
  }

  @Test
  void bucketedMeansAreAlignedToTheRequestedTimeZone() {
    String q =
        "/api/stations/IT-API-OUT/readings?parameter=COD&from="
            + BASE
            + "&to="
            + BASE.plusSeconds(3600)
            + "&step=5m&tz=Asia/Ho_Chi_Minh";
    JsonObject body = new JsonObject(Probe.get(port, q).body());
    var points = body.getJsonArray("series").getJsonObject(0).getJsonArray("points");
    assertThat(points).hasSize(2); // 10 minutes of data in 5-minute buckets (UTC+7 is whole hours)
    JsonObject b = points.getJsonObject(0);
    assertThat(b.getString("ts")).isEqualTo(BASE.toString());
    assertThat(b.getInteger("count")).isEqualTo(300);
    assertThat(b.getInteger("valid")).isEqualTo(300);
    // Values are 40 + (index in batch % 17), batches of 100: the mean of the first 300 is exact.
    double sum = 0;
    for (int j = 0; j < 300; j++) sum += 40 + ((j % 100) % 17);
    assertThat(b.getDouble("mean")).isCloseTo(sum / 300, Offset.offset(1e-9));
  }

  @Test
  void fieldsChooseWhatEachBucketSays() {
    String q =
        "/api/stations/IT-API-OUT/readings?parameter=COD&from="
            + BASE
            + "&to="
            + BASE.plusSeconds(3600)
            + "&step=5m&fields=mean,%20fault";
    JsonObject b =
        new JsonObject(Probe.get(port, q).body())
            .getJsonArray("series")
            .getJsonObject(0)
            .getJsonArray("points")
            .getJsonObject(0);
    // the start always, then what was asked for (spaces after commas are forgiven) and nothing else
    assertThat(b.fieldNames()).containsExactlyInAnyOrder("ts", "mean", "fault");
    assertThat(b.getInteger("fault")).isZero();
    assertThat(b.getDouble("mean")).isPositive();
  }

  @Test
  void answersAreGzippedForClientsThatAcceptIt() throws Exception {
    URI uri =
        URI.create(
            "http://127.0.0.1:"
                + port
                + "/api/stations/IT-API-OUT/readings?step=1m&from="
                + BASE
                + "&to="
                + BASE.plusSeconds(3600));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> plain =
        client.send(Probe.request(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> gzipped =
        client.send(
            Probe.request(uri).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
    assertThat(gzipped.headers().firstValue("content-encoding")).hasValue("gzip");
    byte[] unzipped;
    try (var in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
      unzipped = in.readAllBytes();
    }
    assertThat(new String(unzipped, StandardCharsets.UTF_8))
        .isEqualTo(new String(plain.body(), StandardCharsets.UTF_8));
    // ten minutes of 1-minute buckets, the same keys in each: far smaller on the wire
    assertThat(gzipped.body().length).isLessThan(plain.body().length / 3);
  }

  @Test
  void badRequestsSayWhatIsWrong() {
    var badStep = Probe.get(port, "/api/stations/IT-API-OUT/readings?step=fortnightly");
    assertThat(badStep.status()).isEqualTo(400);
    assertThat(badStep.body()).contains("step must be");
    var badFrom = Probe.get(port, "/api/stations/IT-API-OUT/readings?from=yesterday");
    assertThat(badFrom.status()).isEqualTo(400);
    assertThat(badFrom.body()).contains("from must be ISO-8601");
    var unknownParameter = Probe.get(port, "/api/stations/IT-API-OUT/readings?parameter=nitrate");
    assertThat(unknownParameter.status()).isEqualTo(400);
    var unknownField =
        Probe.get(port, "/api/stations/IT-API-OUT/readings?step=1m&fields=mean,median");
    assertThat(unknownField.status()).isEqualTo(400);
    assertThat(unknownField.body()).contains("unknown field 'median': fields are mean, min, max");
    var fieldsOfRaw = Probe.get(port, "/api/stations/IT-API-OUT/readings?fields=mean");
    assertThat(fieldsOfRaw.status()).isEqualTo(400);
    assertThat(fieldsOfRaw.body()).contains("it needs a step");
    var unknownStation = Probe.get(port, "/api/stations/NOPE/readings");
    assertThat(unknownStation.status()).isEqualTo(404);
    assertThat(unknownStation.body()).contains("unknown station 'NOPE'");
    assertThat(Probe.get(port, "/api/nothing-here").status()).isEqualTo(404);
  }

  @Test
  void openApiDocumentIsServedAndCoversEveryRoute() {
    var doc = Probe.get(port, "/api/openapi.yaml");
    assertThat(doc.status()).isEqualTo(200);
    assertThat(doc.body()).contains("openapi: 3.");
    // Every path the router answers is documented (the alerting routes included).
    assertThat(server.apiPaths()).contains("/api/alerts/{id}/acknowledge", "/metrics");
    for (String path : server.apiPaths())
      assertThat(doc.body()).as("documents " + path).contains("\n  " + path + ":\n");
  }

  @Test
  void metricsExposeIngestJvmAndVertx() {
    String body = Probe.get(port, "/metrics").body();
    assertThat(body)
        .contains("outfall_readings_stored_total")
        .contains("outfall_readings_rejected_total{reason=\"malformed\"}")
        .contains("outfall_ingest_write_batch_readings_bucket")
        .contains("outfall_ingest_write_latency_seconds_bucket")
        .contains("outfall_ingest_queue_messages")
        .contains("jvm_memory_used_bytes")
        .contains("vertx_http_server_requests_total");
  }

  /**
   * The JDK's client asks a plain-HTTP server to upgrade to HTTP/2 (h2c) unless told otherwise; the
   * API stays HTTP/1.1 (an upgraded connection once garbled a large scrape), whole answers
   * included.
   */
  @Test
  void aClientAskingForHttp2InClearTextIsAnsweredInHttp11() throws Exception {
    HttpClient preferring2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    for (int i = 0; i < 3; i++) { // a fresh connection, then the same one again
      HttpResponse<String> scrape =
          preferring2.send(
              Probe.request(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(scrape.body()).contains("outfall_readings_stored_total");
    }
  }

  /**
   * A request line over the HTTP layer's limit is refused before any route, and the answer says the
   * connection closes: a keep-alive client would otherwise send its next request on it and see that
   * one fail unanswered (HttpApiFuzzIT met it with a PUT).
   */
  @Test
  void aRequestTooLongToReadIsRefusedSayingThatTheConnectionCloses() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> refused =
        client.send(
            Probe.request(
                    URI.create("http://127.0.0.1:" + port + "/api/stations?x=" + "a".repeat(5_000)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(414);
    assertThat(refused.headers().firstValue("connection")).hasValue("close");
    assertThat(refused.body()).contains("\"error\"");
    // and the same client's next request, a PUT that it never retries, is answered
    HttpResponse<String> next =
        client.send(
            Probe.request(URI.create("http://127.0.0.1:" + port + "/api/permits/IT-HTTP-NOWHERE"))
                .header("content-type", "text/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString("not: [a permit"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(next.statusCode()).as(next.body()).isBetween(400, 499);
  }

  /** Puts a permit as {@code user}, an admin (permits are an admin's). */
  static HttpResponse<String> putPermit(String station, String yaml, String user) throws Exception {
    String token = Probe.tokenFor(port, user, "admin");
    return HttpClient.newHttpClient()
        .send(
            Probe.as(
                    token,
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/api/permits/"
                            + station
                            + "?comment=by+"
                            + user))
                .header("content-type", "text/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void permitChangesAreValidatedVersionedAndAudited() throws Exception {
    String station = "IT-PERMIT-OUT";
    String base = "station: " + station + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\n";
    var looser = putPermit(station, base + "kq: 1\nkf: 1\nlimits: {COD: 500}\n", "engineer.a");
    assertThat(looser.statusCode()).isEqualTo(400);
    assertThat(looser.body()).contains("COD");
    var wrongStation = putPermit("IT-OTHER-OUT", base + "kq: 1\nkf: 1\n", "engineer.a");
    assertThat(wrongStation.statusCode()).isEqualTo(400);
    assertThat(wrongStation.body()).contains("not 'IT-OTHER-OUT'");

    assertThat(putPermit(station, base + "kq: 1\nkf: 1\n", "engineer.a").statusCode())
        .isEqualTo(200);
    var same = new JsonObject(putPermit(station, base + "kq: 1\nkf: 1\n", "engineer.b").body());
    assertThat(same.getInteger("version")).as("an unchanged permit is no new version").isEqualTo(1);
    var second = new JsonObject(putPermit(station, base + "kq: 0.9\nkf: 1\n", "engineer.b").body());
    assertThat(second.getInteger("version")).isEqualTo(2);

    JsonObject permit = new JsonObject(Probe.get(port, "/api/permits/" + station).body());
    assertThat(permit.getInteger("version")).isEqualTo(2);
    assertThat(permit.getString("document")).contains("kq: 0.9");
    assertThat(
            permit.getJsonArray("history").stream()
                .map(
                    v ->
                        ((JsonObject) v).getString("changed_by")
                            + " "
                            + ((JsonObject) v).getString("comment"))
                .toList())
        .containsExactlyInAnyOrder("engineer.a by engineer.a", "engineer.b by engineer.b");
    assertThat(Probe.get(port, "/api/permits/NO-SUCH-OUT").status()).isEqualTo(404);
    assertThat(Probe.get(port, "/api/permits").body()).contains(station);
  }
}

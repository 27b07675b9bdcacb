package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.protocol.Topics;
import io.outfall.tests.testing.DocumentedRoutes;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTTP authentication and roles against a real ingest: every documented route refuses a request
 * without a valid token; each role gets what it may and a 403 saying why for the rest; an operator
 * sees only their own sites; logins are throttled, and logins and administrative actions audited.
 */
// CI runs it on the embedded stack too: the demo is signed into on its own database
@Tag("demo-stack")
class AccessIT {
  static TestServices services;
  static IngestServer server;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    server = IngestServer.start(services.ingestSettings(services.newDatabase("access"), "access"));
    base = "http://127.0.0.1:" + server.httpPort();
    long t = System.currentTimeMillis() - 3_600_000;
    try (var a = new TestPublisher(services.mqttUrl(), "it-site-a", "gw-a");
        var b = new TestPublisher(services.mqttUrl(), "it-site-b", "gw-b")) {
      a.publish(a.batch("IT-A-OUT", t, 0, 5));
      b.publish(b.batch("IT-B-OUT", t, 0, 5));
      // and each gateway's status, as a gateway announces itself
      for (var g : List.of(a, b))
        g.publishRaw(
            Topics.topic(
                g == a ? "it-site-a" : "it-site-b", g == a ? "gw-a" : "gw-b", Topics.Kind.STATUS),
            ("{\"state\":\"online\",\"clock_ms\":" + System.currentTimeMillis() + ",\"status\":{}}")
                .getBytes(StandardCharsets.UTF_8));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              String s = Probe.get(server.httpPort(), "/api/stations").body();
              String g = Probe.get(server.httpPort(), "/api/gateways").body();
              return s.contains("IT-A-OUT")
                  && s.contains("IT-B-OUT")
                  && g.contains("\"site\":\"it-site-a\",\"gateway\":\"gw-a\"")
                  && g.contains("\"site\":\"it-site-b\",\"gateway\":\"gw-b\"");
            });
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    services.dropSession("it-access");
  }

  @Test
  void everyDocumentedRouteButHealthLoginAndTheDocumentNeedsAToken() throws Exception {
    Set<String> open = Set.of("GET /api/health", "POST /api/login", "GET /api/openapi.yaml");
    List<String> routes = new ArrayList<>();
    TreeMap<String, Integer> withoutToken = new TreeMap<>();
    TreeMap<String, Integer> badToken = new TreeMap<>();
    for (DocumentedRoutes.Route r : DocumentedRoutes.all()) {
      String route = r.toString();
      String path = r.path().replaceAll("\\{[^}]+}", "1");
      routes.add(route);
      withoutToken.put(route, call(r.method(), path, null, "{}").statusCode());
      badToken.put(route, call(r.method(), path, "not-a-token", "{}").statusCode());
    }
    System.out.printf("[access] %d routes without a token: %s%n", routes.size(), withoutToken);
    for (String route : routes) {
      if (open.contains(route)) {
        assertThat(withoutToken.get(route)).as(route).isNotIn(401, 403);
      } else {
        assertThat(withoutToken.get(route)).as(route).isEqualTo(401);
        assertThat(badToken.get(route)).as(route + " with a wrong token").isEqualTo(401);
      }
    }
    assertThat(routes).hasSizeGreaterThan(30);
    var r = call("GET", "/api/stations", null, null);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"outfall\"");
    assertThat(new JsonObject(r.body()).getString("error")).contains("sign in first");
  }

  @Test
  void anOperatorSeesOnlyTheirOwnSites() throws Exception {
    String op = Probe.tokenFor(server.httpPort(), "op-a", "operator", "it-site-a");
    assertThat(status(op, "GET", "/api/stations/IT-A-OUT/readings")).isEqualTo(200);
    var other = call("GET", "/api/stations/IT-B-OUT/readings", op, null);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(other.body()).getString("error"))
        .isEqualTo("station IT-B-OUT is not at one of your sites");
    assertThat(status(op, "GET", "/api/stations/IT-B-OUT/kpis")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/stations/IT-B-OUT/report")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/permits/IT-B-OUT")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/alerts?station=IT-B-OUT")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/alerts")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/alerts?station=IT-A-OUT")).isEqualTo(200);
    assertThat(status(op, "GET", "/api/stations/NO-SUCH/readings")).isEqualTo(403);
    // the overview and the gateway list: her own site's part, judged on that part alone
    var overview = call("GET", "/api/overview", op, null);
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.body()).contains("IT-A-OUT").doesNotContain("IT-B-OUT", "it-site-b");
    assertThat(
            new JsonObject(overview.body())
                .getJsonObject("headline")
                .getJsonObject("stations")
                .getInteger("total"))
        .isEqualTo(1);
    var gateways = call("GET", "/api/gateways", op, null);
    assertThat(gateways.statusCode()).isEqualTo(200);
    assertThat(gateways.body()).contains("gw-a").doesNotContain("gw-b", "it-site-b");
    assertThat(call("GET", "/api/gateways", TestServices.adminToken(), null).body())
        .contains("gw-a", "gw-b");
    assertThat(status(op, "GET", "/api/configs")).isEqualTo(403);
    assertThat(status(op, "GET", "/metrics")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/users")).isEqualTo(403);
    // the department's files: her own stations', read only
    assertThat(status(op, "GET", "/api/export/donre?station=IT-A-OUT")).isEqualTo(200);
    assertThat(status(op, "GET", "/api/export/donre?station=IT-B-OUT")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/export/donre")).isEqualTo(403);
    assertThat(status(op, "GET", "/api/stations/IT-A-OUT/transmission")).isEqualTo(200);
    assertThat(status(op, "GET", "/api/stations/IT-B-OUT/transmission")).isEqualTo(403);
    assertThat(status(op, "PUT", "/api/stations/IT-A-OUT/transmission", "{\"transmit\": false}"))
        .isEqualTo(403);
    assertThat(status(op, "GET", "/api/donre/quarantine")).isEqualTo(403);
    JsonArray listed =
        new JsonObject(call("GET", "/api/stations", op, null).body()).getJsonArray("items");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("code")))
        .containsExactly("IT-A-OUT");
    // an inspector reads both
    String insp = Probe.tokenFor(server.httpPort(), "insp", "inspector");
    assertThat(status(insp, "GET", "/api/stations/IT-B-OUT/readings")).isEqualTo(200);
    assertThat(
            new JsonObject(call("GET", "/api/stations", insp, null).body()).getJsonArray("items"))
        .hasSize(2);
  }

  @Test
  void eachRoleMayDoItsOwnWorkOnly() throws Exception {
    String insp = Probe.tokenFor(server.httpPort(), "insp-2", "inspector");
    String eng = Probe.tokenFor(server.httpPort(), "eng-2", "engineer");
    String yaml = "version: x\n";
    // deploying is an engineer's
    var refused = call("POST", "/api/configs/validate", insp, yaml);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getString("error"))
        .isEqualTo("deploying configurations needs an engineer or admin");
    assertThat(status(eng, "POST", "/api/configs/validate", yaml)).isNotIn(401, 403);
    assertThat(status(insp, "GET", "/api/configs")).isEqualTo(200);
    // permits are an admin's; silences an inspector's
    assertThat(status(eng, "PUT", "/api/permits/IT-A-OUT", "x")).isEqualTo(403);
    assertThat(status(insp, "PUT", "/api/permits/IT-A-OUT", "x")).isEqualTo(403);
    assertThat(status(eng, "POST", "/api/silences", "{}")).isEqualTo(403);
    assertThat(status(insp, "POST", "/api/silences", "{}")).isEqualTo(400); // allowed, body bad
    // users and the access audit are an admin's
    assertThat(status(eng, "GET", "/api/access-audit")).isEqualTo(403);
    assertThat(status(insp, "POST", "/api/tokens", "{\"name\":\"x\",\"kind\":\"scrape\"}"))
        .isEqualTo(403);
    assertThat(status(insp, "GET", "/metrics")).isEqualTo(403);
    // the department's files: inspectors export them, switching and quarantine are an admin's
    assertThat(status(insp, "GET", "/api/export/donre?station=IT-A-OUT")).isEqualTo(200);
    assertThat(status(eng, "GET", "/api/export/donre?station=IT-A-OUT")).isEqualTo(403);
    assertThat(status(insp, "PUT", "/api/stations/IT-A-OUT/transmission", "{\"transmit\": true}"))
        .isEqualTo(403);
    assertThat(status(insp, "GET", "/api/donre/quarantine")).isEqualTo(403);
    assertThat(status(eng, "GET", "/api/donre/quarantine/1/file")).isEqualTo(403);
  }

  @Test
  void aScrapeTokenReadsMetricsOnly() throws Exception {
    var issued =
        call(
            "POST",
            "/api/tokens",
            TestServices.adminToken(),
            "{\"name\":\"prom\",\"kind\":\"scrape\"}");
    assertThat(issued.statusCode()).isEqualTo(201);
    String scrape = new JsonObject(issued.body()).getString("token");
    var metrics = call("GET", "/metrics", scrape, null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("outfall_readings_stored_total");
    assertThat(status(scrape, "GET", "/api/stations")).isEqualTo(403);
    assertThat(status(TestServices.adminToken(), "GET", "/metrics")).isEqualTo(200);
  }

  @Test
  void loginSetsASessionLogoutEndsItAndGuessingIsThrottled() throws Exception {
    Probe.user(server.httpPort(), "lan", "a long enough password", "operator", "it-site-a");
    // wrong passwords: 401 five times, then 429 with Retry-After, even with the right password
    List<Integer> guesses = new ArrayList<>();
    for (int i = 0; i < 5; i++) guesses.add(login("lan", "guess " + i).statusCode());
    var throttled = login("lan", "a long enough password");
    System.out.printf(
        "[access] 5 wrong passwords: %s; then the right one: %d (Retry-After %s s)%n",
        guesses, throttled.statusCode(), throttled.headers().firstValue("Retry-After").orElse("-"));
    assertThat(guesses).containsOnly(401);
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 300L);

    Probe.user(server.httpPort(), "minh", "another long password", "engineer");
    var ok = login("minh", "another long password");
    assertThat(ok.statusCode()).isEqualTo(200);
    String cookie = ok.headers().firstValue("set-cookie").orElseThrow();
    assertThat(cookie)
        .startsWith(HttpAccess.SESSION_COOKIE + "=")
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict");
    String session = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
    var me =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/me"))
                .header("Cookie", HttpAccess.SESSION_COOKIE + "=" + session)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(me.body()).getString("role")).isEqualTo("engineer");
    assertThat(status(session, "POST", "/api/logout", "")).isEqualTo(200);
    assertThat(status(session, "GET", "/api/me")).isEqualTo(401);

    Probe.tokenFor(server.httpPort(), "audited", "inspector"); // a user_save and a token_issue
    // the audit has each of them, newest first
    JsonArray audit =
        new JsonObject(
                call("GET", "/api/access-audit?limit=1000", TestServices.adminToken(), null).body())
            .getJsonArray("items");
    List<String> lines =
        audit.stream()
            .map(o -> (JsonObject) o)
            .map(
                o ->
                    o.getString("actor")
                        + " "
                        + o.getString("action")
                        + " "
                        + o.getString("outcome"))
            .toList();
    assertThat(lines)
        .contains(
            "lan login refused",
            "lan login throttled",
            "minh login ok",
            "minh logout ok",
            "admin-token user_save ok",
            "admin-token token_issue ok");
    assertThat(lines.stream().filter(l -> l.equals("lan login refused"))).hasSize(5);
  }

  private static HttpResponse<String> login(String user, String password) throws Exception {
    return call(
        "POST",
        "/api/login",
        null,
        new JsonObject().put("username", user).put("password", password).encode());
  }

  private static int status(String token, String method, String path) throws Exception {
    return call(method, path, token, null).statusCode();
  }

  private static int status(String token, String method, String path, String body)
      throws Exception {
    return call(method, path, token, body).statusCode();
  }

  static HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null)
      b.header("content-type", body.startsWith("{") ? "application/json" : "text/yaml");
    if (token != null) b.header("Authorization", "Bearer " + token);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

package io.outfall.tests.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what a test asserts on: HTTP answers, Prometheus samples, row counts. */
public final class Probe {
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Probe() {}

  public record Answer(int status, String body) {}

  /** Rows stored for one station in a test's database. */
  public static long storedReadings(TestServices s, String db, String station) {
    return count(
        db,
        s.dbUser(),
        s.dbPassword(),
        "SELECT count(*) FROM readings r JOIN stations st ON st.id = r.station_id WHERE st.code = '"
            + station
            + "'");
  }

  /** A request carrying the test admin token ({@link TestServices#adminToken()}). */
  public static HttpRequest.Builder request(URI uri) {
    return as(TestServices.adminToken(), uri);
  }

  /** A request carrying {@code token}. */
  public static HttpRequest.Builder as(String token, URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token);
  }

  /**
   * An API token of a user with {@code role} (and, for an operator, {@code sites}), created on the
   * ingest at {@code port} with the admin token, once per ingest: how tests act as someone in
   * particular.
   */
  public static String tokenFor(int port, String user, String role, String... sites) {
    return tokens.computeIfAbsent(
        port + " " + user + " " + role + " " + String.join(",", sites),
        k -> newToken(port, user, role, sites));
  }

  private static final Map<String, String> tokens = new ConcurrentHashMap<>();

  private static String newToken(int port, String user, String role, String... sites) {
    String base = "http://127.0.0.1:" + port;
    var users =
        new JsonObject()
            .put("username", user)
            .put("password", "pw-" + UUID.randomUUID())
            .put("role", role)
            .put("sites", new JsonArray(List.of(sites)));
    Answer made = send(request(URI.create(base + "/api/users")).POST(json(users)));
    if (made.status() != 201) throw new IllegalStateException("user not created: " + made);
    Answer t =
        send(
            request(URI.create(base + "/api/tokens"))
                .POST(json(new JsonObject().put("name", "test").put("username", user))));
    if (t.status() != 201) throw new IllegalStateException("token not issued: " + t);
    return new JsonObject(t.body()).getString("token");
  }

  /** Creates a user (or resets it) through the API with the admin token. */
  public static void user(int port, String user, String password, String role, String... sites) {
    var body =
        new JsonObject()
            .put("username", user)
            .put("password", password)
            .put("role", role)
            .put("sites", new JsonArray(List.of(sites)));
    Answer made =
        send(request(URI.create("http://127.0.0.1:" + port + "/api/users")).POST(json(body)));
    if (made.status() != 201) throw new IllegalStateException("user not created: " + made);
  }

  private static HttpRequest.BodyPublisher json(JsonObject o) {
    return HttpRequest.BodyPublishers.ofString(o.encode());
  }

  /** Sends and answers; a failure to connect is status -1 with the exception as body. */
  public static Answer send(HttpRequest.Builder request) {
    try {
      var res =
          http.send(
              request.header("content-type", "application/json").build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(res.statusCode(), res.body());
    } catch (Exception e) {
      return new Answer(-1, e.toString());
    }
  }

  public static Answer get(int port, String path) {
    try {
      var res =
          http.send(
              request(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(res.statusCode(), res.body());
    } catch (Exception e) {
      return new Answer(-1, e.toString());
    }
  }

  /**
   * Value of one Prometheus sample, e.g. {@code
   * outfall_readings_rejected_total{reason="malformed"}}; 0 if absent.
   */
  public static double metric(int port, String sample) {
    Answer a = get(port, "/metrics");
    if (a.status() != 200)
      throw new IllegalStateException("scrape failed: " + a.status() + " " + a.body());
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(a.body());
    if (!m.find()) throw new IllegalStateException("no sample " + sample + " in /metrics");
    return Double.parseDouble(m.group(1));
  }

  public static long count(String dbUrl, String user, String password, String sql) {
    try (var c = DriverManager.getConnection(dbUrl, user, password);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      return -1;
    }
  }
}

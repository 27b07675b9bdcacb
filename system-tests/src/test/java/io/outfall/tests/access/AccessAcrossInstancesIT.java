package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Access that holds across instances: two ingest servers on one database, as behind a load
 * balancer. Wrong passwords count for the deployment, not per instance, even when sent to both at
 * once; a token revoked, or a user disabled, on one is refused by the other within {@link
 * HttpAccess#CACHE_FOR}.
 */
class AccessAcrossInstancesIT {
  static TestServices services;
  static IngestServer a;
  static IngestServer b;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    String db = services.newDatabase("access_two");
    a = IngestServer.start(services.ingestSettings(db, "access-a"));
    b = IngestServer.start(services.ingestSettings(db, "access-b"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (IngestServer s : new IngestServer[] {a, b}) if (s != null) s.close();
    services.dropSession("it-access-a");
    services.dropSession("it-access-b");
  }

  @Test
  void fiveWrongPasswordsSpreadOverBothInstancesLockTheUserOnBoth() throws Exception {
    Probe.user(a.httpPort(), "thu", "the right password here", "inspector");
    List<Integer> guesses = new ArrayList<>();
    for (int i = 0; i < 3; i++) guesses.add(login(a, "thu", "guess " + i).statusCode());
    for (int i = 3; i < 5; i++) guesses.add(login(b, "thu", "guess " + i).statusCode());
    int rightOnA = login(a, "thu", "the right password here").statusCode();
    int rightOnB = login(b, "thu", "the right password here").statusCode();
    System.out.printf(
        "[access-two] 3 wrong passwords on A, 2 on B: %s; then the right one on A: %d, on B: %d%n",
        guesses, rightOnA, rightOnB);
    assertThat(guesses).containsExactly(401, 401, 401, 401, 401);
    assertThat(rightOnA).isEqualTo(429);
    assertThat(rightOnB).isEqualTo(429);
  }

  @Test
  void guessesSentToBothAtOnceAreCountedOneByOne() throws Exception {
    Probe.user(a.httpPort(), "hoa", "the right password here", "inspector");
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Callable<Integer>> guesses = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        IngestServer to = i % 2 == 0 ? a : b;
        String guess = "guess " + i;
        guesses.add(() -> login(to, "hoa", guess).statusCode());
      }
      List<Integer> answers = new ArrayList<>();
      for (Future<Integer> f : pool.invokeAll(guesses)) answers.add(f.get());
      long refused = answers.stream().filter(s -> s == 401).count();
      long throttled = answers.stream().filter(s -> s == 429).count();
      System.out.printf(
          "[access-two] 10 wrong passwords at once, 5 to each instance: %d refused (401), %d"
              + " throttled (429)%n",
          refused, throttled);
      // one at a time across instances: exactly five were judged, the other five turned away
      assertThat(refused).isEqualTo(5);
      assertThat(throttled).isEqualTo(5);
      assertThat(login(b, "hoa", "the right password here").statusCode()).isEqualTo(429);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSessionEndedOnOneInstanceIsRefusedByTheOtherWithinTheStatedBound() throws Exception {
    Probe.user(a.httpPort(), "lam", "the right password here", "engineer");
    var in = login(a, "lam", "the right password here");
    assertThat(in.statusCode()).isEqualTo(200);
    String token = new JsonObject(in.body()).getString("token");
    assertThat(me(b, token)).isEqualTo(200); // B has looked it up, and caches it
    assertThat(send(a, token, "POST", "/api/logout")).isEqualTo(200);
    assertThat(me(a, token)).as("on the instance that revoked it").isEqualTo(401);
    long ms = untilRefused(b, token);
    System.out.printf(
        "[access-two] a session token revoked on A: refused by A at once, by B after %d ms"
            + " (bound %d ms)%n",
        ms, HttpAccess.CACHE_FOR.toMillis());
    assertThat(ms).isLessThanOrEqualTo(HttpAccess.CACHE_FOR.toMillis() + 1_000);
  }

  @Test
  void aUserDisabledOnOneInstanceIsRefusedByTheOtherWithinTheStatedBound() throws Exception {
    String token = Probe.tokenFor(a.httpPort(), "kien", "engineer");
    assertThat(me(b, token)).isEqualTo(200);
    assertThat(send(a, TestServices.adminToken(), "DELETE", "/api/users/kien")).isEqualTo(200);
    assertThat(me(a, token)).as("on the instance that disabled the user").isEqualTo(401);
    long ms = untilRefused(b, token);
    System.out.printf(
        "[access-two] a user disabled on A: their API token refused by A at once, by B after %d"
            + " ms (bound %d ms)%n",
        ms, HttpAccess.CACHE_FOR.toMillis());
    assertThat(ms).isLessThanOrEqualTo(HttpAccess.CACHE_FOR.toMillis() + 1_000);
    assertThat(send(b, TestServices.adminToken(), "DELETE", "/api/users/kien"))
        .as("disabling twice")
        .isEqualTo(404);
  }

  /**
   * Milliseconds until {@code server} answers 401 to the token (polled every 50 ms, at most 30 s).
   */
  private static long untilRefused(IngestServer server, String token) throws Exception {
    long start = System.nanoTime();
    while (me(server, token) != 401) {
      if (System.nanoTime() - start > Duration.ofSeconds(30).toNanos())
        throw new AssertionError("still accepted after 30 s");
      Thread.sleep(50);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static int me(IngestServer server, String token) throws Exception {
    return send(server, token, "GET", "/api/me");
  }

  private static int send(IngestServer server, String token, String method, String path)
      throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private static HttpResponse<String> login(IngestServer server, String user, String password)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/api/login"))
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    new JsonObject().put("username", user).put("password", password).encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

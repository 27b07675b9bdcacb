package io.outfall.ingest.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
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

  public static Answer get(int port, String path) {
    try {
      var res =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
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

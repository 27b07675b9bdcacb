package io.outfall.tests.alerts;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives one station's COD through live 5-second averaging windows, so that alerting tests run on
 * real time: a window is judged one second (the grace) after it ends, exactly as an hourly window
 * is in a plant, only sooner.
 */
final class PermitWindows {
  static final long WINDOW_MS = 5_000;

  /** Window {@code k} after {@code base}: a COD reading of {@code value} every second of it. */
  static ReadingsBatch window(
      String station, String gateway, long base, int k, double value, long seq) {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < WINDOW_MS / 1000; i++)
      readings.add(
          new Reading(
              station,
              "COD",
              base + k * WINDOW_MS + i * 1000L,
              value,
              "mg/L",
              DeviceStatus.MEASURING));
    return new ReadingsBatch(gateway, seq, System.currentTimeMillis(), readings);
  }

  private static final HttpClient http = HttpClient.newHttpClient();

  final String station;
  private final TestPublisher gateway;
  private final int httpPort;

  PermitWindows(String station, TestPublisher gateway, int httpPort) {
    this.station = station;
    this.gateway = gateway;
    this.httpPort = httpPort;
  }

  /** Gives the station a QCVN 40 column B permit (COD limit 150 mg/L) on 5-second windows. */
  void install() throws Exception {
    String permit =
        "station: "
            + station
            + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD]\naveraging: PT5S\n";
    var put = send("PUT", "/api/permits/" + station + "?comment=test+permit", permit, "text/yaml");
    if (put.statusCode() != 200) throw new IllegalStateException(put.body());
  }

  /**
   * COD readings one per second, filling the next whole window (which starts at most one window
   * from now; readings a little ahead of the clock are accepted). Returns its start.
   */
  Instant publishWindow(double value) throws Exception {
    long start = Math.floorDiv(System.currentTimeMillis(), WINDOW_MS) * WINDOW_MS + WINDOW_MS;
    return publishWindow(Instant.ofEpochMilli(start), value);
  }

  /** COD readings one per second, filling the window that starts at {@code start}. */
  Instant publishWindow(Instant from, double value) throws Exception {
    long start = from.toEpochMilli();
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < WINDOW_MS / 1000; i++)
      readings.add(
          new Reading(station, "COD", start + 1000L * i, value, "mg/L", DeviceStatus.MEASURING));
    gateway.publish(
        new ReadingsBatch(
            gateway.gateway, System.nanoTime(), System.currentTimeMillis(), readings));
    return Instant.ofEpochMilli(start);
  }

  /** The station's breach alerts in a state (active, open, acknowledged, resolved, all). */
  JsonArray breaches(String state) {
    return new JsonObject(
            Probe.get(httpPort, "/api/alerts?station=" + station + "&kind=breach&state=" + state)
                .body())
        .getJsonArray("items");
  }

  JsonObject alert(long id) {
    return new JsonObject(Probe.get(httpPort, "/api/alerts/" + id).body());
  }

  /**
   * A request as the inspector {@code inspector.lan} (a user with that role, made on first use);
   * permits are an admin's, so those go with the admin token.
   */
  HttpResponse<String> send(String method, String path, String body, String type) throws Exception {
    String inspector = Probe.tokenFor(httpPort, "inspector.lan-" + station, "inspector");
    URI uri = URI.create("http://127.0.0.1:" + httpPort + path);
    var b =
        (path.startsWith("/api/permits") ? Probe.request(uri) : Probe.as(inspector, uri))
            .header("content-type", type);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

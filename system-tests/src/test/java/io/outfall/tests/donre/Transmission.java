package io.outfall.tests.donre;

import io.outfall.ingest.IngestServer;
import io.outfall.tests.testing.Probe;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;

/** A station's transmission as the API shows and switches it, with the test admin token. */
final class Transmission {
  private Transmission() {}

  private static String path(String station) {
    return "/api/stations/" + station + "/transmission";
  }

  /** The server knows the station (its first readings are stored). */
  static boolean known(IngestServer server, String station) {
    return Probe.get(server.httpPort(), path(station)).status() == 200;
  }

  static JsonObject status(IngestServer server, String station) {
    return new JsonObject(Probe.get(server.httpPort(), path(station)).body());
  }

  /** {@code PUT …/transmission} with {@code body}; the answer. */
  static Probe.Answer put(IngestServer server, String station, String body) {
    return Probe.send(
        Probe.request(URI.create("http://127.0.0.1:" + server.httpPort() + path(station)))
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** Switches the station on; fails the test when refused. */
  static void switchOn(IngestServer server, String station) {
    Probe.Answer a = put(server, station, "{\"transmit\": true}");
    if (a.status() != 200)
      throw new AssertionError("switching " + station + " on: " + a.status() + " " + a.body());
  }
}

package io.outfall.tests.testing;

import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;

/** Finds things in a {@code GET /api/overview} answer: clusters → plants → stations. */
public final class OverviewJson {
  private OverviewJson() {}

  public static JsonObject cluster(JsonObject overview, String code) {
    return clusters(overview)
        .filter(c -> code.equals(c.getString("code")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no cluster " + code + " in " + overview.encode()));
  }

  public static JsonObject station(JsonObject overview, String code) {
    return clusters(overview)
        .flatMap(c -> c.getJsonArray("plants").stream().map(JsonObject.class::cast))
        .flatMap(p -> p.getJsonArray("stations").stream().map(JsonObject.class::cast))
        .filter(s -> code.equals(s.getString("station")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no station " + code + " in " + overview.encode()));
  }

  private static Stream<JsonObject> clusters(JsonObject overview) {
    return overview.getJsonArray("clusters").stream().map(JsonObject.class::cast);
  }
}

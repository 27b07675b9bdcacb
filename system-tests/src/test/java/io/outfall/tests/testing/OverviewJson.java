package io.outfall.tests.testing;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * What the overview page's table shows, in order: a row per station, and one for each plant
   * without stations and each cluster without plants, named by its code.
   */
  public static List<String> rows(JsonObject overview) {
    List<String> rows = new ArrayList<>();
    clusters(overview)
        .forEach(
            c -> {
              if (c.getJsonArray("plants").isEmpty()) rows.add(c.getString("code"));
              objects(c, "plants")
                  .forEach(
                      p -> {
                        if (p.getJsonArray("stations").isEmpty()) rows.add(p.getString("site"));
                        objects(p, "stations").forEach(s -> rows.add(s.getString("station")));
                      });
            });
    return rows;
  }

  private static Stream<JsonObject> objects(JsonObject o, String key) {
    return o.getJsonArray(key).stream().map(JsonObject.class::cast);
  }

  private static Stream<JsonObject> clusters(JsonObject overview) {
    return overview.getJsonArray("clusters").stream().map(JsonObject.class::cast);
  }
}

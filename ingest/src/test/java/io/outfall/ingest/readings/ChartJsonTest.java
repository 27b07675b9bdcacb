package io.outfall.ingest.readings;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.protocol.DeviceStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The answer written by hand says what a {@code JsonObject} per point said: each is compared with
 * the same answer built the way the API built it before, text for text.
 */
class ChartJsonTest {
  private static final ParameterCatalog.Parameter COD = ParameterCatalog.shipped().byCode("COD");
  private static final ParameterCatalog.Parameter PH = ParameterCatalog.shipped().byCode("pH");
  private static final Instant FROM = Instant.parse("2026-12-02T08:00:00Z");
  private static final Instant TO = Instant.parse("2026-12-03T08:00:00.250Z");

  @Test
  void rawReadingsAreWrittenAsAJsonObjectPerPointWroteThem() {
    List<ReadingQueries.RawPoint> cod =
        List.of(
            new ReadingQueries.RawPoint(FROM, 38.5, DeviceStatus.MEASURING),
            new ReadingQueries.RawPoint(FROM.plusMillis(60_500), 1e-7, DeviceStatus.CALIBRATING),
            new ReadingQueries.RawPoint(FROM.plusSeconds(120), 123456.789012, DeviceStatus.FAULT));
    List<ReadingQueries.RawPoint> ph = List.of();
    Instant next = FROM.plusMillis(120_001);
    String written =
        ChartJson.raw(
                new ChartJson.Header("BT-OUT", FROM, TO, "raw", "Asia/Ho_Chi_Minh", next),
                List.of(new ChartJson.Series<>(COD, cod), new ChartJson.Series<>(PH, ph)))
            .toString();

    JsonArray codPoints = new JsonArray();
    cod.forEach(
        x ->
            codPoints.add(
                new JsonObject()
                    .put("ts", x.ts())
                    .put("value", x.value())
                    .put("status", x.status().code())));
    JsonObject before =
        header("raw")
            .put(
                "series",
                new JsonArray().add(series(COD, codPoints)).add(series(PH, new JsonArray())))
            .put("truncated", true)
            .put("next_from", next);
    assertThat(written).isEqualTo(before.encode());
  }

  @Test
  void bucketsSayTheFieldsAskedForWithNullMeansAsNull() {
    List<ReadingQueries.Bucket> buckets =
        List.of(
            new ReadingQueries.Bucket(FROM, 40.25, 38.0, 42.5, 6, 6, 0, 0),
            new ReadingQueries.Bucket(FROM.plusSeconds(60), null, null, null, 6, 0, 4, 2));
    for (Set<ReadingsApi.BucketField> fields :
        List.of(
            EnumSet.allOf(ReadingsApi.BucketField.class),
            ReadingsApi.BucketField.parse("mean,calibrating,fault"))) {
      String written =
          ChartJson.buckets(
                  new ChartJson.Header("BT-OUT", FROM, TO, "PT1M", "Asia/Ho_Chi_Minh", null),
                  List.of(new ChartJson.Series<>(COD, buckets)),
                  fields)
              .toString();

      JsonArray points = new JsonArray();
      for (ReadingQueries.Bucket b : buckets) {
        JsonObject point = new JsonObject().put("ts", b.start());
        for (ReadingsApi.BucketField f : fields) point.put(f.key, f.value(b));
        points.add(point);
      }
      JsonObject before =
          header("PT1M")
              .put("series", new JsonArray().add(series(COD, points)))
              .put("truncated", false);
      assertThat(written).as(fields.toString()).isEqualTo(before.encode());
    }
  }

  private static JsonObject header(String step) {
    return new JsonObject()
        .put("station", "BT-OUT")
        .put("from", FROM)
        .put("to", TO)
        .put("step", step)
        .put("tz", "Asia/Ho_Chi_Minh");
  }

  private static JsonObject series(ParameterCatalog.Parameter p, JsonArray points) {
    return new JsonObject().put("parameter", p.code()).put("unit", p.unit()).put("points", points);
  }
}

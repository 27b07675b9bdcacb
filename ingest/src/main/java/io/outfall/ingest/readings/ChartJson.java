package io.outfall.ingest.readings;

import com.fasterxml.jackson.core.JsonGenerator;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.http.JsonTime;
import io.outfall.ingest.http.WrittenJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A station's readings answer, written straight to bytes. A day of one station is 11,520 points or
 * more; built as a {@code JsonObject} per point, each a map whose keys the encoder then looks up
 * and serializes one by one, the answer took longer to build and encode than to read from the
 * database. Here each point is a few generator calls with constant names, and the text is the same
 * as before (the same Jackson number writing; timestamps as {@link Instant#toString()} writes
 * them).
 */
final class ChartJson {
  /**
   * What the answer says about itself, around its series; {@code nextFrom} where the next page
   * starts, null when the answer is complete (not truncated).
   */
  record Header(
      String station, Instant from, Instant to, String step, String tz, Instant nextFrom) {}

  /** One parameter's points, raw readings or buckets. */
  record Series<P>(ParameterCatalog.Parameter parameter, List<P> points) {}

  private ChartJson() {}

  static Buffer raw(Header header, List<Series<ReadingQueries.RawPoint>> series) {
    return write(
        header,
        series,
        (g, x) -> {
          g.writeStringField("ts", JsonTime.iso(x.ts()));
          g.writeNumberField("value", x.value());
          g.writeStringField("status", x.status().code());
        });
  }

  static Buffer buckets(
      Header header,
      List<Series<ReadingQueries.Bucket>> series,
      Set<ReadingsApi.BucketField> fields) {
    return write(
        header,
        series,
        (g, b) -> {
          g.writeStringField("ts", JsonTime.iso(b.start()));
          for (ReadingsApi.BucketField f : fields) {
            g.writeFieldName(f.key);
            Object v = f.value(b);
            if (v == null) g.writeNull();
            else if (v instanceof Double d) g.writeNumber(d);
            else g.writeNumber((Integer) v);
          }
        });
  }

  /** Writes one point's fields (the object around them is written for it). */
  private interface PointWriter<P> {
    void write(JsonGenerator g, P point) throws IOException;
  }

  private static <P> Buffer write(Header h, List<Series<P>> series, PointWriter<P> point) {
    return WrittenJson.of(
        g -> {
          g.writeStartObject();
          g.writeStringField("station", h.station());
          g.writeStringField("from", JsonTime.iso(h.from()));
          g.writeStringField("to", JsonTime.iso(h.to()));
          g.writeStringField("step", h.step());
          g.writeStringField("tz", h.tz());
          g.writeArrayFieldStart("series");
          for (Series<P> s : series) {
            g.writeStartObject();
            g.writeStringField("parameter", s.parameter().code());
            g.writeStringField("unit", s.parameter().unit());
            g.writeArrayFieldStart("points");
            for (P p : s.points()) {
              g.writeStartObject();
              point.write(g, p);
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeBooleanField("truncated", h.nextFrom() != null);
          if (h.nextFrom() != null) g.writeStringField("next_from", JsonTime.iso(h.nextFrom()));
          g.writeEndObject();
        });
  }
}

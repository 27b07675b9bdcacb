package io.outfall.ingest.dashboards;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.outfall.ingest.http.JsonTime;
import io.outfall.ingest.http.WrittenJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The overview answer, written straight to bytes, each station's part encoded once per row. A
 * province's whole overview is 1,000 stations of a dozen fields each; built as a tree of {@code
 * JsonObject}s and encoded per request, that encoding was most of the answer's time on the API's
 * threads under load (JFR, {@code bench-fleet}'s live phase). The overview keeps a station's row
 * (the same object) until something in it changes, so its JSON is kept with it: most of an answer
 * is then copying bytes. What a station, a plant's month or a headline count says is still written
 * in one place, {@link DashboardsJson}.
 */
final class OverviewWriter {
  /**
   * A row and its JSON; the JSON is reused while the overview answers with that same row. A {@link
   * SerializedString} keeps its UTF-8 bytes, which the generator then copies as they are.
   */
  private record Encoded(Overview.Station row, SerializedString json) {}

  /**
   * By station code: one entry per station, replaced when its row is, dropped once the overview no
   * longer has the station ({@link #forgetRemoved}).
   */
  private final Map<String, Encoded> stations = new ConcurrentHashMap<>();

  /**
   * The overview with clusters {@code offset} to {@code offset + limit} (the headline and the worst
   * stations always whole), as {@link DashboardsJson}'s parts say each.
   *
   * @param targets each plant's month against its target, from {@link TargetBoard}: a column per
   *     plant and a count per cluster
   */
  Buffer write(
      Overview.Result o, int offset, int limit, Map<String, TargetBoard.PlantMonth> targets) {
    int end = (int) Math.min(o.clusters().size(), (long) offset + limit);
    forgetRemoved(o);
    return WrittenJson.of(
        g -> {
          g.writeStartObject();
          g.writeStringField("at", JsonTime.iso(o.at()));
          g.writeFieldName("headline");
          raw(g, DashboardsJson.headline(o));
          g.writeArrayFieldStart("clusters");
          for (Overview.Cluster c : o.clusters().subList(Math.min(offset, end), end))
            cluster(g, c, targets);
          g.writeEndArray();
          g.writeNumberField("clusters_total", o.clusters().size());
          g.writeNumberField("offset", offset);
          g.writeFieldName("next_offset");
          if (end < o.clusters().size()) g.writeNumber(end);
          else g.writeNull();
          g.writeArrayFieldStart("worst");
          for (Overview.Station s : o.worst()) g.writeRawValue(station(s));
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  /**
   * Drops the JSON of stations {@code o} does not have (taken out of the registry), so that what is
   * kept follows the province rather than every station it ever had. Looks only when more stations
   * are kept than {@code o} counts (a removed station shows as one too many once another's JSON is
   * written), so most answers find nothing to do.
   */
  private void forgetRemoved(Overview.Result o) {
    if (stations.size() <= o.stationCount().total()) return;
    Set<String> present = new HashSet<>();
    for (Overview.Cluster c : o.clusters())
      for (Overview.Plant p : c.plants())
        for (Overview.Station s : p.stations()) present.add(s.station());
    for (Overview.Station s : o.worst()) present.add(s.station());
    stations.keySet().retainAll(present);
  }

  /** The codes of the stations whose JSON is kept (for tests). */
  Set<String> kept() {
    return Set.copyOf(stations.keySet());
  }

  private void cluster(
      JsonGenerator g, Overview.Cluster c, Map<String, TargetBoard.PlantMonth> targets)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("code", c.code());
    g.writeStringField("name", c.name());
    g.writeStringField("kind", c.kind());
    g.writeStringField("district", c.district());
    g.writeStringField("treatment", c.treatment());
    g.writeBooleanField("registered", c.registered());
    g.writeStringField("state", c.state().code());
    g.writeBooleanField("compliant", c.state().compliant());
    g.writeFieldName("targets");
    raw(g, DashboardsJson.targetsRollUp(c, targets));
    g.writeArrayFieldStart("plants");
    for (Overview.Plant p : c.plants()) {
      g.writeStartObject();
      g.writeStringField("site", p.site());
      g.writeStringField("name", p.name());
      g.writeStringField("status", p.status());
      g.writeStringField("state", p.state().code());
      g.writeFieldName("targets");
      TargetBoard.PlantMonth month = targets.get(p.site());
      raw(g, month == null ? null : DashboardsJson.plantMonth(month));
      g.writeArrayFieldStart("stations");
      for (Overview.Station s : p.stations()) g.writeRawValue(station(s));
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** The station's JSON, encoded again only when the overview has a new row for it. */
  private SerializedString station(Overview.Station row) {
    Encoded kept = stations.get(row.station());
    if (kept != null && kept.row() == row) return kept.json();
    SerializedString json = new SerializedString(DashboardsJson.station(row).encode());
    stations.put(row.station(), new Encoded(row, json));
    return json;
  }

  /** A part {@link DashboardsJson} builds, or null when there is none. */
  private static void raw(JsonGenerator g, JsonObject part) throws IOException {
    if (part == null) g.writeNull();
    else g.writeRawValue(part.encode());
  }
}

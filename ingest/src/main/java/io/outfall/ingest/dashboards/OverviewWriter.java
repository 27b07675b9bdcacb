package io.outfall.ingest.dashboards;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.outfall.ingest.http.JsonTime;
import io.outfall.ingest.http.WrittenJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The overview answer, written straight to bytes, each station's part encoded once per row and each
 * cluster's once per change of its own. A province's whole overview is 1,000 stations of a dozen
 * fields each; built as a tree of {@code JsonObject}s and encoded per request, that encoding was
 * most of the answer's time on the API's threads under load (JFR, {@code bench-fleet}'s live
 * phase). The overview keeps a station's row (the same object) until something in it changes, so
 * its JSON is kept with it; a cluster's JSON (its plants, their months against their targets and
 * their stations) is kept while its fields, its plants' and their rows are the same, so that most
 * of an answer is copying bytes: writing every cluster's wrapping and target roll-up again for each
 * answer was half of a whole overview's time on the API's threads once stations were kept (JFR,
 * bench-fleet, 2026-12-05). What a station, a plant's month or a headline count says is still
 * written in one place, {@link DashboardsJson}.
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
   * A cluster's JSON and what it was written from: the cluster (its plants' rows by identity, as
   * the overview keeps them) and each plant's month from the target board (by identity too: the
   * board makes new ones when it refreshes).
   */
  private record EncodedCluster(
      Overview.Cluster cluster, List<TargetBoard.PlantMonth> months, SerializedString json) {
    /** Whether {@code c} with {@code m} would be written as this was. */
    boolean writes(Overview.Cluster c, List<TargetBoard.PlantMonth> m) {
      Overview.Cluster k = cluster;
      if (!(k.code().equals(c.code())
          && Objects.equals(k.name(), c.name())
          && Objects.equals(k.kind(), c.kind())
          && Objects.equals(k.district(), c.district())
          && Objects.equals(k.treatment(), c.treatment())
          && k.registered() == c.registered()
          && k.state() == c.state()
          && k.plants().size() == c.plants().size()
          && sameItems(months, m))) return false;
      for (int i = 0; i < c.plants().size(); i++) {
        Overview.Plant a = k.plants().get(i);
        Overview.Plant b = c.plants().get(i);
        if (!(a.site().equals(b.site())
            && Objects.equals(a.name(), b.name())
            && a.status().equals(b.status())
            && a.state() == b.state()
            && sameItems(a.stations(), b.stations()))) return false;
      }
      return true;
    }

    private static boolean sameItems(List<?> a, List<?> b) {
      if (a.size() != b.size()) return false;
      for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
      return true;
    }
  }

  /**
   * By {@link #key}: one entry per cluster, replaced when it is written anew, dropped once the
   * overview no longer has the cluster ({@link #forgetRemoved}).
   */
  private final Map<String, EncodedCluster> clusters = new ConcurrentHashMap<>();

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
            g.writeRawValue(cluster(c, targets));
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
    if (clusters.size() > o.clusters().size()) {
      Set<String> present = new HashSet<>();
      for (Overview.Cluster c : o.clusters()) present.add(key(c));
      clusters.keySet().retainAll(present);
    }
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

  /** The keys ({@link #key}) of the clusters whose JSON is kept (for tests). */
  Set<String> keptClusters() {
    return Set.copyOf(clusters.keySet());
  }

  /**
   * A registered cluster and a site no cluster holds (shown as a cluster of its own) may share a
   * code.
   */
  private static String key(Overview.Cluster c) {
    return (c.registered() ? "cluster " : "site ") + c.code();
  }

  /** The cluster's JSON, written again only when it, a plant or a station row of it changed. */
  private SerializedString cluster(
      Overview.Cluster c, Map<String, TargetBoard.PlantMonth> targets) {
    List<TargetBoard.PlantMonth> months = new ArrayList<>(c.plants().size());
    for (Overview.Plant p : c.plants()) months.add(targets.get(p.site()));
    EncodedCluster kept = clusters.get(key(c));
    if (kept != null && kept.writes(c, months)) return kept.json();
    SerializedString json = new SerializedString(WrittenJson.text(g -> cluster(g, c, targets)));
    clusters.put(key(c), new EncodedCluster(c, months, json));
    return json;
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

package io.outfall.ingest.dashboards;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The dashboards' answers as JSON (snake_case, as the rest of the API) and the report as CSV. */
final class DashboardsJson {
  private DashboardsJson() {}

  /**
   * The overview with clusters {@code offset} to {@code offset + limit} (the headline and the worst
   * stations always whole): a province's first screen need not wait for a thousand plants.
   */
  static JsonObject overview(Overview.Result o, int offset, int limit) {
    JsonArray clusters = new JsonArray();
    int end = (int) Math.min(o.clusters().size(), (long) offset + limit);
    for (Overview.Cluster c : o.clusters().subList(Math.min(offset, end), end)) {
      JsonArray plants = new JsonArray();
      for (Overview.Plant p : c.plants()) {
        JsonArray stations = new JsonArray();
        p.stations().forEach(s -> stations.add(station(s)));
        plants.add(
            new JsonObject()
                .put("site", p.site())
                .put("name", p.name())
                .put("status", p.status())
                .put("state", p.state().code())
                .put("stations", stations));
      }
      clusters.add(
          new JsonObject()
              .put("code", c.code())
              .put("name", c.name())
              .put("kind", c.kind())
              .put("district", c.district())
              .put("treatment", c.treatment())
              .put("registered", c.registered())
              .put("state", c.state().code())
              .put("compliant", c.state().compliant())
              .put("plants", plants));
    }
    JsonArray worst = new JsonArray();
    o.worst().forEach(p -> worst.add(station(p)));
    return new JsonObject()
        .put("at", o.at())
        .put(
            "headline",
            new JsonObject()
                .put(
                    "clusters",
                    count(
                        o.clusterCount(),
                        "clusters whose operating treatment plants are all compliant",
                        "a cluster needing a central plant without one operating is not yet built;"
                            + " clusters needing none are not counted"))
                .put(
                    "plants",
                    count(
                        o.plantCount(),
                        "treatment plants whose stations are all compliant",
                        "plants planned or under construction count as not yet built"))
                .put(
                    "stations",
                    count(
                        o.stationCount(),
                        "monitoring stations compliant now",
                        "compliant: a permit, data within twice the planned interval, no open"
                            + " breach; no permit, no data and not built are never compliant")))
        .put("clusters", clusters)
        .put("clusters_total", o.clusters().size())
        .put("offset", offset)
        .put("next_offset", end < o.clusters().size() ? end : null)
        .put("worst", worst);
  }

  private static JsonObject count(Overview.Count c, String counts, String rule) {
    JsonObject byState = new JsonObject();
    c.byState().forEach((s, n) -> byState.put(s.code(), n));
    return new JsonObject()
        .put("total", c.total())
        .put("counted", c.counted())
        .put("compliant", c.compliant())
        .put("share", c.share())
        .put("by_state", byState)
        .put("counts", counts)
        .put("rule", rule);
  }

  private static JsonObject station(Overview.Station p) {
    JsonArray alerts = new JsonArray();
    for (Overview.OpenAlert a : p.openAlerts()) {
      alerts.add(
          new JsonObject()
              .put("id", a.id())
              .put("kind", a.kind())
              .put("family", a.family())
              .put("parameter", a.parameter())
              .put("band", a.band())
              .put("started_at", a.startedAt()));
    }
    return new JsonObject()
        .put("station", p.station())
        .put("name", p.name())
        .put("site", p.site())
        .put("site_name", p.siteName())
        .put("permit", p.permit())
        .put("state", p.state().code())
        .put("last_reading", p.lastReading())
        .put("silent_after_minutes", p.silentAfter().toMinutes())
        .put("open_alerts", alerts)
        .put("breach_hours_24h", round(p.breachHours24h(), 2))
        .put("breach_hours_30d", round(p.breachHours30d(), 2))
        .put("completeness_24h", p.completeness24h())
        .put("completeness_30d", p.completeness30d());
  }

  static JsonObject meters(String station, List<Meters.Meter> meters) {
    JsonArray items = new JsonArray();
    for (Meters.Meter m : meters) {
      JsonArray changes = new JsonArray();
      for (Meters.Change c : m.changes())
        changes.add(
            new JsonObject()
                .put("at", c.at().toString())
                .put("old_final", c.oldFinal())
                .put("new_start", c.newStart())
                .put("note", c.note())
                .put("recorded_by", c.recordedBy())
                .put("recorded_at", c.recordedAt().toString()));
      items.add(
          new JsonObject()
              .put("parameter", m.parameter())
              .put("rollover", m.rollover())
              .put("changes", changes));
    }
    return new JsonObject().put("station", station).put("meters", items);
  }

  static JsonObject kpis(String station, ZoneId zone, PlantKpis.Result k) {
    JsonArray days = new JsonArray();
    for (PlantKpis.Day d : k.days()) {
      days.add(
          new JsonObject()
              .put("day", d.start().atZone(zone).toLocalDate().toString())
              .put("volume_m3", d.volumeM3())
              .put("energy_kwh", d.energyKwh())
              .put("chemical_kg", d.chemicalKg())
              .put("energy_kwh_per_m3", ratio(d.energyKwh(), d.volumeM3()))
              .put("chemical_kg_per_m3", ratio(d.chemicalKg(), d.volumeM3())));
    }
    return new JsonObject()
        .put("station", station)
        .put("tz", zone.getId())
        .put("period", totals(k.period()))
        .put("baseline", totals(k.baseline()))
        .put(
            "change_pct",
            new JsonObject()
                .put(
                    "energy_kwh_per_m3",
                    PlantKpis.Result.change(k.period().energyPerM3(), k.baseline().energyPerM3()))
                .put(
                    "chemical_kg_per_m3",
                    PlantKpis.Result.change(
                        k.period().chemicalPerM3(), k.baseline().chemicalPerM3())))
        .put("days", days);
  }

  private static JsonObject totals(PlantKpis.Totals t) {
    return new JsonObject()
        .put("from", t.from())
        .put("to", t.to())
        .put("volume_m3", t.volumeM3())
        .put("energy_kwh", t.energyKwh())
        .put("chemical_kg", t.chemicalKg())
        .put("energy_kwh_per_m3", t.energyPerM3())
        .put("chemical_kg_per_m3", t.chemicalPerM3());
  }

  static JsonObject report(ComplianceReport.Result r, ZoneId zone) {
    JsonArray params = new JsonArray();
    for (var p : r.parameters()) {
      params.add(
          new JsonObject()
              .put("parameter", p.parameter())
              .put("unit", p.unit())
              .put("readings", p.readings())
              .put("valid", p.valid())
              .put("calibrating", p.calibrating())
              .put("fault", p.fault())
              .put("mean", p.mean())
              .put("min", p.min())
              .put("max", p.max())
              .put("completeness", p.completeness())
              .put("filled_slots", p.filledSlots())
              .put("expected_slots", p.expectedSlots())
              .put("slot_minutes", p.slotMinutes()));
    }
    JsonArray breaches = new JsonArray();
    for (var b : r.breaches()) {
      breaches.add(
          new JsonObject()
              .put("parameter", b.parameter())
              .put("band", b.band())
              .put("count", b.count())
              .put("hours", round(b.hours(), 2))
              .put("max_factor", b.maxFactor()));
    }
    JsonArray alerts = new JsonArray();
    for (var a : r.alerts()) {
      alerts.add(
          new JsonObject()
              .put("kind", a.kind())
              .put("family", a.family())
              .put("count", a.count())
              .put("acknowledged", a.acknowledged())
              .put("median_ack_minutes", a.medianAckMinutes())
              .put("max_ack_minutes", a.maxAckMinutes()));
    }
    return new JsonObject()
        .put("station", r.station())
        .put("from", r.from())
        .put("to", r.to())
        .put("tz", zone.getId())
        .put("hours_in_period", round(r.hoursInPeriod(), 2))
        .put("hours_monitored", r.hoursMonitored())
        .put("valid_share", r.validShare())
        .put("completeness", r.completeness())
        .put("breach_hours", round(r.breachHours(), 2))
        .put("parameters", params)
        .put("breaches", breaches)
        .put("alerts", alerts);
  }

  /**
   * The report as one long table (station, period, section, item, measure, value): sorts and pivots
   * in any spreadsheet. Starts with a byte-order mark so that spreadsheets read UTF-8.
   */
  static String reportCsv(ComplianceReport.Result r, ZoneId zone) {
    StringBuilder sb = new StringBuilder("\uFEFFstation,from,to,section,item,measure,value\n");
    String head =
        r.station()
            + ","
            + r.from().atZone(zone).toOffsetDateTime()
            + ","
            + r.to().atZone(zone).toOffsetDateTime()
            + ",";
    Consumer<CsvRow> row =
        x ->
            sb.append(head)
                .append(x.section())
                .append(',')
                .append(x.item() == null ? "" : x.item())
                .append(',')
                .append(x.measure())
                .append(',')
                .append(x.value() == null ? "" : x.value())
                .append('\n');
    row.accept(new CsvRow("period", "", "hours_in_period", round(r.hoursInPeriod(), 2)));
    row.accept(new CsvRow("period", "", "hours_monitored", r.hoursMonitored()));
    row.accept(new CsvRow("period", "", "valid_share", round(r.validShare(), 4)));
    row.accept(new CsvRow("period", "", "completeness", round(r.completeness(), 4)));
    row.accept(new CsvRow("period", "", "breach_hours", round(r.breachHours(), 2)));
    for (var p : r.parameters()) {
      Map<String, Object> measures = new LinkedHashMap<>();
      measures.put("unit", p.unit());
      measures.put("readings", p.readings());
      measures.put("valid", p.valid());
      measures.put("calibrating", p.calibrating());
      measures.put("fault", p.fault());
      measures.put("mean", p.mean());
      measures.put("min", p.min());
      measures.put("max", p.max());
      measures.put("completeness", round(p.completeness(), 4));
      measures.put("filled_slots", p.filledSlots());
      measures.put("expected_slots", p.expectedSlots());
      measures.put("slot_minutes", p.slotMinutes());
      measures.forEach((m, v) -> row.accept(new CsvRow("parameter", p.parameter(), m, v)));
    }
    for (var b : r.breaches()) {
      String item = b.parameter() + " " + b.band();
      row.accept(new CsvRow("breaches", item, "count", b.count()));
      row.accept(new CsvRow("breaches", item, "hours", round(b.hours(), 2)));
      row.accept(new CsvRow("breaches", item, "max_factor", b.maxFactor()));
    }
    for (var a : r.alerts()) {
      row.accept(new CsvRow("alerts", a.kind(), "count", a.count()));
      row.accept(new CsvRow("alerts", a.kind(), "acknowledged", a.acknowledged()));
      row.accept(new CsvRow("alerts", a.kind(), "median_ack_minutes", round(a.medianAckMinutes())));
      row.accept(new CsvRow("alerts", a.kind(), "max_ack_minutes", round(a.maxAckMinutes())));
    }
    return sb.toString();
  }

  /** One line of the report's CSV after the station and period columns. */
  private record CsvRow(String section, String item, String measure, Object value) {}

  private static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : a / b;
  }

  private static Double round(Double v) {
    return v == null ? null : round(v, 1);
  }

  private static Double round(Double v, int places) {
    return v == null ? null : round(v.doubleValue(), places);
  }

  private static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }
}

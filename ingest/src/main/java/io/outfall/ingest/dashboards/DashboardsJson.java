package io.outfall.ingest.dashboards;

import io.outfall.ingest.targets.TargetJudgement;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The dashboards' answers as JSON (snake_case, as the rest of the API) and the report as CSV. */
final class DashboardsJson {
  private DashboardsJson() {}

  /** The overview's headline: clusters, plants and stations counted. */
  static JsonObject headline(Overview.Result o) {
    return new JsonObject()
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
                    + " breach; no permit, no data and not built are never compliant"));
  }

  /** How many of a cluster's plants stand at each verdict of their month, or null for none. */
  static JsonObject targetsRollUp(Overview.Cluster c, Map<String, TargetBoard.PlantMonth> targets) {
    JsonObject rollUp = new JsonObject();
    for (Overview.Plant p : c.plants()) {
      TargetBoard.PlantMonth month = targets.get(p.site());
      if (month != null)
        rollUp.put(month.verdict().code(), rollUp.getInteger(month.verdict().code(), 0) + 1);
    }
    return rollUp.isEmpty() ? null : rollUp;
  }

  static JsonObject plantMonth(TargetBoard.PlantMonth m) {
    JsonObject kpis = new JsonObject();
    m.kpis().forEach((k, s) -> kpis.put(k.key, s.code()));
    return new JsonObject()
        .put("month", m.month().toString().substring(0, 7))
        .put("verdict", m.verdict().code())
        .put("kpis", kpis)
        .put("computed_at", m.computedAt());
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

  static JsonObject station(Overview.Station p) {
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

  /**
   * A plant's KPIs: the period and its days against the baseline, greenhouse-gas figures when a
   * grid emission factor is set, and where it stands against its target (null: none applies).
   */
  static JsonObject kpis(
      String station,
      ZoneId zone,
      PlantKpis.Result k,
      Optional<PlantKpis.Progress> progress,
      Optional<GridEmissionFactor> grid) {
    JsonArray days = new JsonArray();
    for (PlantKpis.Day d : k.days()) {
      days.add(
          new JsonObject()
              .put("day", d.start().atZone(zone).toLocalDate().toString())
              .put("volume_m3", d.volumeM3())
              .put("energy_kwh", d.energyKwh())
              .put("renewable_kwh", d.renewableKwh())
              .put("chemical_kg", d.chemicalKg())
              .put("production", d.productionUnits())
              .put("energy_kwh_per_m3", ratio(d.energyUsedKwh(), d.volumeM3()))
              .put("chemical_kg_per_m3", ratio(d.chemicalKg(), d.volumeM3())));
    }
    JsonObject change = new JsonObject();
    for (TargetJudgement.Kpi kpi : TargetJudgement.Kpi.values())
      change.put(
          kpi.key, PlantKpis.Result.change(k.period().intensity(kpi), k.baseline().intensity(kpi)));
    return new JsonObject()
        .put("station", station)
        .put("tz", zone.getId())
        .put("period", totals(k.period(), grid))
        .put("baseline", totals(k.baseline(), grid))
        .put("change_pct", change)
        .put(
            "grid_emission_factor",
            grid.map(
                    g ->
                        new JsonObject()
                            .put("kg_co2e_per_kwh", g.kgCo2ePerKwh())
                            .put("source", g.source()))
                .orElse(null))
        .put("targets", progress.map(p -> progress(p, zone, grid)).orElse(null))
        .put("days", days);
  }

  static JsonObject progress(PlantKpis.Progress p, ZoneId zone, Optional<GridEmissionFactor> grid) {
    TargetJudgement.Target t = p.target();
    JsonArray periods = new JsonArray();
    for (PlantKpis.Period period : p.periods()) {
      JsonArray verdicts = new JsonArray();
      for (TargetJudgement.Verdict v : period.verdicts())
        verdicts.add(
            new JsonObject()
                .put("kpi", v.kpi().key)
                .put("value", v.value())
                .put("baseline", v.baseline())
                .put("change_pct", v.changePct())
                .put("target_pct", v.targetPct())
                .put("target_value", v.targetValue())
                .put("status", v.status().code()));
      periods.add(
          new JsonObject()
              .put("period", period.name())
              .put("from", period.from().atZone(zone).toLocalDate().toString())
              .put("to", period.to())
              .put("ended", period.ended())
              .put("totals", totals(period.totals(), grid))
              .put("kpis", verdicts));
    }
    return new JsonObject()
        .put("target", target(t))
        .put("as_of", p.asOf().toString())
        .put("baseline", totals(p.baseline(), grid))
        .put("periods", periods);
  }

  /** A target and whose it is: the targets API, and the KPIs' {@code targets.target}. */
  static JsonObject target(TargetJudgement.Target t) {
    return new JsonObject()
        .put("scope", t.scope())
        .put("of", t.of())
        .put("baseline_from", t.baselineFrom().toString())
        .put("baseline_to", t.baselineTo().toString())
        .put("energy_per_m3_pct", t.energyPct())
        .put("chemical_per_m3_pct", t.chemicalPct())
        .put("energy_per_unit_pct", t.productPct())
        .put("product_unit", t.productUnit())
        .put("source", t.source());
  }

  private static JsonObject totals(PlantKpis.Totals t, Optional<GridEmissionFactor> grid) {
    JsonObject o =
        new JsonObject()
            .put("from", t.from())
            .put("to", t.to())
            .put("volume_m3", t.volumeM3())
            .put("energy_kwh", t.energyKwh())
            .put("renewable_kwh", t.renewableKwh())
            .put("chemical_kg", t.chemicalKg())
            .put("production", t.productionUnits())
            .put("energy_kwh_per_m3", t.energyPerM3())
            .put("chemical_kg_per_m3", t.chemicalPerM3())
            .put("energy_kwh_per_unit", t.energyPerUnit());
    grid.ifPresent(
        g -> {
          double kg = g.kgCo2e(t);
          o.put("ghg_kg_co2e", kg)
              .put("ghg_kg_co2e_per_m3", t.volumeM3() > 0 ? kg / t.volumeM3() : null)
              .put(
                  "ghg_kg_co2e_per_unit",
                  t.productionUnits() > 0 ? kg / t.productionUnits() : null);
        });
    return o;
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
  static String reportCsv(
      ComplianceReport.Result r, Optional<PlantKpis.Progress> targets, ZoneId zone) {
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
    targets.ifPresent(
        p -> {
          for (TargetJudgement.Verdict v : p.periods().get(0).verdicts()) { // the month
            String kpi = v.kpi().key;
            row.accept(new CsvRow("targets", kpi, "value", v.value()));
            row.accept(new CsvRow("targets", kpi, "baseline", v.baseline()));
            row.accept(new CsvRow("targets", kpi, "change_pct", round(v.changePct(), 2)));
            row.accept(new CsvRow("targets", kpi, "target_pct", v.targetPct()));
            row.accept(new CsvRow("targets", kpi, "status", v.status().code()));
          }
        });
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

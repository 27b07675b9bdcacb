package io.outfall.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.outfall.compliance.check.CheckReport;
import io.outfall.compliance.check.ComplianceCheck;
import io.outfall.compliance.check.ReadingsCsv;
import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.EvaluationSettings;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.permits.Permit;
import io.outfall.compliance.permits.PermitFile;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.compliance.standards.StandardsCatalog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Offline compliance check of a readings file against a permit, with the live evaluator. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Judge a readings CSV (ts,station,parameter,value,unit,status) against a permit, with the same",
      "evaluation code as the live path. Exit status: 0 no breach, 3 breaches found, 2 bad input."
    })
final class CheckCommand implements Callable<Integer> {
  @Option(
      names = "--permit",
      required = true,
      paramLabel = "PERMIT.yaml",
      description = "the station's permit")
  Path permit;

  @Option(
      names = "--standard",
      paramLabel = "NAME",
      description =
          "judge under this standard instead of the permit's (what-if), e.g. 'QCVN 40:2011/BTNMT'")
  String standard;

  @Option(
      names = "--standards",
      paramLabel = "DIR",
      description = "extra standard files (*.yaml) to load")
  Path standardsDir;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "json or table (default: ${DEFAULT-VALUE})")
  String format;

  @Option(
      names = "--sampling",
      paramLabel = "INTERVAL",
      description = {
        "expected interval between readings, for completeness: 5m, or COD=15m,*=5m",
        "(default: the permit's sampling, else what the readings themselves show)"
      })
  String sampling;

  @Parameters(paramLabel = "READINGS.csv")
  Path readings;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("json") && !format.equals("table")) {
      System.err.println("outfall check: --format must be json or table");
      return 2;
    }
    CheckReport report;
    try {
      StandardsCatalog catalog = StandardsCatalog.load(standardsDir);
      List<Permit> permits = PermitFile.read(permit);
      if (standard != null) permits = permits.stream().map(p -> p.withStandard(standard)).toList();
      PermitSchedule schedule = new PermitSchedule(permits, catalog);
      report =
          ComplianceCheck.run(
              schedule,
              ExceedanceBands.shipped(),
              EvaluationSettings.defaults(),
              SamplingPlan.parseText(sampling, "--sampling"),
              ReadingsCsv.read(readings));
    } catch (IllegalArgumentException e) {
      System.err.println("outfall check: " + e.getMessage());
      return 2;
    }
    if (format.equals("json")) {
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(System.out, json(report));
      System.out.println();
    } else {
      table(report, System.out);
    }
    return report.breaches().isEmpty() ? 0 : 3;
  }

  static Map<String, Object> json(CheckReport r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("station", r.station());
    out.put("standard", r.limits().standard().name());
    out.put("column", r.limits().column());
    out.put("coefficients", r.limits().coefficients());
    Map<String, Object> limits = new LinkedHashMap<>();
    r.limits().limits().forEach((p, e) -> limits.put(p, CheckReport.json(e.limit())));
    out.put("limits", limits);
    List<Map<String, Object>> breaches = new ArrayList<>();
    for (WindowResult w : r.breaches()) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("station", w.station());
      b.put("parameter", w.parameter());
      b.put("start", w.start().toString());
      b.put("end", w.end().toString());
      b.put("value", w.mean());
      b.put("limit", CheckReport.json(w.limit()));
      b.put("factor", w.factor());
      b.put("band", w.band());
      b.put("valid_readings", w.valid());
      breaches.add(b);
    }
    out.put("breaches", breaches);
    out.put("warnings", episodes(r.warnings()));
    out.put("data_quality", episodes(r.dataQuality()));
    out.put(
        "summary",
        Map.of(
            "readings",
            r.summary().readings(),
            "windows",
            r.summary().windows(),
            "compliant",
            r.summary().compliant(),
            "breach",
            r.summary().breach(),
            "no_data",
            r.summary().noData()));
    Map<String, Object> completeness = new LinkedHashMap<>();
    r.completeness()
        .forEach(
            (p, c) -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("share", c.share().value());
              m.put("filled_slots", c.share().filled());
              m.put("expected_slots", c.share().expected());
              m.put("slot_minutes", c.slot().toMinutes());
              m.put("interval_seconds", c.interval().toSeconds());
              completeness.put(p, m);
            });
    out.put("completeness", completeness);
    out.put("skipped", r.skipped());
    return out;
  }

  private static List<Map<String, Object>> episodes(List<Episode> list) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Episode e : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("station", e.station());
      m.put("parameter", e.parameter());
      m.put("kind", e.kind().label());
      m.put("start", e.start().toString());
      m.put("end", e.end() == null ? null : e.end().toString());
      if (e.peak() != null) m.put("peak", e.peak());
      if (e.limit() != null) m.put("limit", CheckReport.json(e.limit()));
      if (e.detail() != null) m.put("detail", e.detail());
      out.add(m);
    }
    return out;
  }

  private static void table(CheckReport r, PrintStream out) {
    DateTimeFormatter local =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.of("Asia/Ho_Chi_Minh"));
    out.printf(
        "Station %s under %s, column %s %s%n",
        r.station(), r.limits().standard().name(), r.limits().column(), r.limits().coefficients());
    out.println("Limits:");
    r.limits().limits().forEach((p, e) -> out.printf("  %-14s %s%n", p, e.derivation()));
    var s = r.summary();
    out.printf(
        "%nReadings judged: %d; windows: %d (compliant %d, breach %d, no valid data %d)%n",
        s.readings(), s.windows(), s.compliant(), s.breach(), s.noData());
    out.printf("%nData completeness (slots of the sampling plan holding a valid reading):%n");
    r.completeness()
        .forEach(
            (p, c) ->
                out.printf(
                    "  %-14s %s (%d of %d %d-minute slots)%n",
                    p,
                    c.share().value() == null
                        ? "-"
                        : String.format("%.1f %%", c.share().value() * 100),
                    c.share().filled(),
                    c.share().expected(),
                    c.slot().toMinutes()));
    out.printf("%nBreaches (%d), times in Asia/Ho_Chi_Minh:%n", r.breaches().size());
    for (WindowResult w : r.breaches()) {
      out.printf(
          "  %s–%s  %-10s mean %-10.4g limit %-12s factor %-6s band %s%n",
          local.format(w.start()),
          local.format(w.end()).substring(11),
          w.parameter(),
          w.mean(),
          CheckReport.json(w.limit()),
          w.factor() == null ? "-" : String.format("%.2f", w.factor()),
          w.band());
    }
    out.printf("%nEarly warnings (%d):%n", r.warnings().size());
    for (Episode e : r.warnings())
      out.printf(
          "  %s → %s  %-10s %-10s peak %.4g%n",
          local.format(e.start()),
          e.end() == null ? "ongoing" : local.format(e.end()),
          e.parameter(),
          e.kind().label(),
          e.peak());
    out.printf("%nData quality (%d):%n", r.dataQuality().size());
    for (Episode e : r.dataQuality())
      out.printf(
          "  %s → %s  %-10s %-17s %s%n",
          local.format(e.start()),
          e.end() == null ? "ongoing" : local.format(e.end()),
          e.parameter() == null ? "(station)" : e.parameter(),
          e.kind().label(),
          e.detail());
    if (!r.skipped().isEmpty()) out.printf("%nNot judged: %s%n", r.skipped());
  }
}

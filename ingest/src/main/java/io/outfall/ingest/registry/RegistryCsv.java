package io.outfall.ingest.registry;

import io.outfall.ingest.http.Csv;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry as a CSV file, one row per cluster, plant or station, so a province can load the
 * list it already keeps in a spreadsheet:
 *
 * <pre>
 * type,code,name,parent,kind,district,status,treatment,latitude,longitude,receiving_water,design_capacity_m3_per_day,sampling
 * cluster,CCN-QD,Cụm công nghiệp Quất Động,,industrial_cluster,Thường Tín,operating,exists,,,,,
 * plant,QD-WWTP,Trạm XLNT Quất Động,CCN-QD,,,operating,,20.87,105.88,Sông Nhuệ,3000,
 * station,QD-OUT,Cửa xả,QD-WWTP,,,,,,,,,"COD=15m,*=5m"
 * </pre>
 *
 * The header names the columns (any order; only {@code type} and {@code code} are required). A
 * plant's parent is its cluster (may be empty), a station's its plant. A cluster or plant row may
 * also carry its cleaner-production target: {@code target_baseline} (FROM/TO local dates, TO
 * excluded), {@code target_energy_per_m3_pct}, {@code target_chemical_per_m3_pct}, {@code
 * target_energy_per_unit_pct}, {@code target_product_unit}, {@code target_source}; a row without
 * them leaves the target as it is. Fields may be quoted with double quotes. Every error is reported
 * with its line, and a file with any error changes nothing.
 */
public final class RegistryCsv {
  public static final List<String> COLUMNS =
      List.of(
          "type",
          "code",
          "name",
          "parent",
          "kind",
          "district",
          "status",
          "treatment",
          "latitude",
          "longitude",
          "receiving_water",
          "design_capacity_m3_per_day",
          "sampling",
          "target_baseline",
          "target_energy_per_m3_pct",
          "target_chemical_per_m3_pct",
          "target_energy_per_unit_pct",
          "target_product_unit",
          "target_source");

  private static final List<String> TARGET_COLUMNS = COLUMNS.subList(13, COLUMNS.size());

  /** What a file could not say, line by line. */
  public static final class Invalid extends IllegalArgumentException {
    private final List<String> errors;

    Invalid(List<String> errors) {
      super(errors.size() + " error(s): " + String.join("; ", errors));
      this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
      return errors;
    }
  }

  private RegistryCsv() {}

  /**
   * Reads a file; parents must be in the file or in {@code registeredClusters} / {@code
   * registeredPlants}.
   */
  public static Registry.Contents parse(
      String text, Set<String> registeredClusters, Set<String> registeredPlants) {
    List<String> errors = new ArrayList<>();
    String[] lines = text.replace("\uFEFF", "").split("\r?\n", -1);
    if (lines.length == 0 || lines[0].isBlank())
      throw new Invalid(List.of("line 1: a header naming the columns is required"));
    List<String> header = new ArrayList<>();
    for (String h : fields(lines[0])) header.add(h.trim().toLowerCase(Locale.ROOT));
    for (String h : header)
      if (!COLUMNS.contains(h))
        errors.add(
            "line 1: unknown column '" + h + "' (columns: " + String.join(",", COLUMNS) + ")");
    if (!header.contains("type") || !header.contains("code"))
      errors.add("line 1: the columns 'type' and 'code' are required");
    if (!errors.isEmpty()) throw new Invalid(errors);

    List<Registry.Cluster> clusters = new ArrayList<>();
    List<Registry.Plant> plants = new ArrayList<>();
    List<Registry.Station> stations = new ArrayList<>();
    List<TargetJudgement.Target> targets = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    List<int[]> plantLines = new ArrayList<>();
    List<int[]> stationLines = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      int n = i + 1;
      List<String> f = fields(lines[i]);
      if (f.size() > header.size()) {
        errors.add("line " + n + ": " + f.size() + " fields, the header has " + header.size());
        continue;
      }
      Map<String, String> row = new HashMap<>();
      for (int k = 0; k < f.size(); k++) row.put(header.get(k), f.get(k).trim());
      String type = row.getOrDefault("type", "").toLowerCase(Locale.ROOT);
      try {
        switch (type) {
          case "cluster" ->
              clusters.add(
                  new Registry.Cluster(
                      row.get("code"),
                      row.get("name"),
                      row.get("kind"),
                      row.get("district"),
                      row.get("status"),
                      row.get("treatment")));
          case "plant" -> {
            plants.add(
                new Registry.Plant(
                    row.get("code"),
                    row.get("name"),
                    row.get("parent"),
                    row.get("status"),
                    number(row, "latitude"),
                    number(row, "longitude"),
                    row.get("receiving_water"),
                    number(row, "design_capacity_m3_per_day")));
            plantLines.add(new int[] {n, plants.size() - 1});
          }
          case "station" -> {
            stations.add(
                new Registry.Station(
                    row.get("code"),
                    row.get("name"),
                    row.get("parent"),
                    number(row, "latitude"),
                    number(row, "longitude"),
                    row.get("receiving_water"),
                    row.get("sampling")));
            stationLines.add(new int[] {n, stations.size() - 1});
          }
          default ->
              throw new IllegalArgumentException(
                  "type must be cluster, plant or station, got '" + type + "'");
        }
        target(type, row).ifPresent(targets::add);
        Integer before = seen.put(type + ":" + row.get("code").trim(), n);
        if (before != null)
          errors.add(
              "line " + n + ": " + type + " " + row.get("code") + " is also on line " + before);
      } catch (IllegalArgumentException e) {
        errors.add("line " + n + ": " + e.getMessage());
      }
    }
    for (int[] pl : plantLines) {
      Registry.Plant p = plants.get(pl[1]);
      if (p.cluster() != null
          && !seen.containsKey("cluster:" + p.cluster())
          && !registeredClusters.contains(p.cluster()))
        errors.add(
            "line "
                + pl[0]
                + ": plant "
                + p.site()
                + ": cluster '"
                + p.cluster()
                + "' is neither in the file nor registered");
    }
    for (int[] sl : stationLines) {
      Registry.Station s = stations.get(sl[1]);
      if (!seen.containsKey("plant:" + s.site()) && !registeredPlants.contains(s.site()))
        errors.add(
            "line "
                + sl[0]
                + ": station "
                + s.code()
                + ": plant '"
                + s.site()
                + "' is neither in the file nor registered");
    }
    if (!errors.isEmpty()) throw new Invalid(errors);
    return new Registry.Contents(clusters, plants, stations, targets);
  }

  /** A cluster's or plant's target from its row, if the row sets one. */
  private static Optional<TargetJudgement.Target> target(String type, Map<String, String> row) {
    boolean any = false;
    for (String col : TARGET_COLUMNS) any |= row.get(col) != null && !row.get(col).isBlank();
    if (!any) return Optional.empty();
    if (!type.equals("cluster") && !type.equals("plant"))
      throw new IllegalArgumentException("only a cluster or a plant has a target");
    KpiTargets.Baseline baseline =
        KpiTargets.Baseline.parse("target_baseline", row.getOrDefault("target_baseline", ""));
    TargetJudgement.Target t =
        new TargetJudgement.Target(
            type,
            row.get("code").trim(),
            baseline.from(),
            baseline.to(),
            number(row, "target_energy_per_m3_pct"),
            number(row, "target_chemical_per_m3_pct"),
            number(row, "target_energy_per_unit_pct"),
            blankToNull(row.get("target_product_unit")),
            blankToNull(row.get("target_source")));
    KpiTargets.checkFigures(t, "target_");
    return Optional.of(t);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** The registry as a file {@link #parse} reads back. */
  public static String write(Registry.Contents c) {
    StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
    Map<String, TargetJudgement.Target> targets = new HashMap<>();
    for (TargetJudgement.Target t : c.targets()) targets.put(t.scope() + ":" + t.of(), t);
    for (Registry.Cluster cl : c.clusters())
      row(
          sb,
          targets.get("cluster:" + cl.code()),
          "cluster",
          cl.code(),
          cl.name(),
          null,
          cl.kind(),
          cl.district(),
          cl.status(),
          cl.treatment(),
          null,
          null,
          null,
          null,
          null);
    for (Registry.Plant p : c.plants())
      row(
          sb,
          targets.get("plant:" + p.site()),
          "plant",
          p.site(),
          p.name(),
          p.cluster(),
          null,
          null,
          p.status(),
          null,
          p.latitude(),
          p.longitude(),
          p.receivingWater(),
          p.designCapacityM3PerDay(),
          null);
    for (Registry.Station s : c.stations())
      row(
          sb,
          null,
          "station",
          s.code(),
          s.name(),
          s.site(),
          null,
          null,
          null,
          null,
          s.latitude(),
          s.longitude(),
          s.receivingWater(),
          null,
          s.sampling());
    return sb.toString();
  }

  /** One row: its registry columns, then its target's (empty without one). */
  private static void row(StringBuilder sb, TargetJudgement.Target t, Object... values) {
    List<Object> all = new ArrayList<>(Arrays.asList(values));
    if (t == null) all.addAll(Collections.nCopies(TARGET_COLUMNS.size(), null));
    else
      all.addAll(
          Arrays.asList(
              t.baselineFrom() + "/" + t.baselineTo(),
              t.energyPct(),
              t.chemicalPct(),
              t.productPct(),
              t.productUnit(),
              t.source()));
    for (int i = 0; i < all.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(Csv.field(all.get(i)));
    }
    sb.append('\n');
  }

  private static Double number(Map<String, String> row, String column) {
    String v = row.get(column);
    if (v == null || v.isBlank()) return null;
    try {
      return Double.valueOf(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(column + " must be a number, got '" + v + "'");
    }
  }

  /**
   * A line's fields: commas separate; a field that starts with a double quote runs to the closing
   * one, "" inside it being one quote; elsewhere a quote is just a character.
   */
  static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          f.append('"');
          i++;
        } else if (ch == '"') quoted = false;
        else f.append(ch);
      } else if (ch == '"' && f.length() == 0) quoted = true; // quotes open a field only
      else if (ch == ',') {
        out.add(f.toString());
        f.setLength(0);
      } else f.append(ch);
    }
    out.add(f.toString());
    return out;
  }
}

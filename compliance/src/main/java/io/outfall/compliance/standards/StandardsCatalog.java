package io.outfall.compliance.standards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.compliance.parameters.ParameterCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The standards Outfall knows, loaded from data files: the ones shipped (listed in {@code
 * standards/index.txt}) and any extra directory of {@code *.yaml}. Immutable once loaded.
 */
public final class StandardsCatalog {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The permit fields a standard's discharge-volume tiers may be read from. */
  static final List<String> TIER_MEASURES =
      List.of("discharge_m3_per_day", "design_capacity_m3_per_day");

  private static final String BASE = "/io/outfall/compliance/standards/";

  private final Map<String, Standard> byName;

  private StandardsCatalog(Map<String, Standard> byName) {
    this.byName = byName;
  }

  /** The shipped standards. */
  public static StandardsCatalog shipped() {
    return load(null);
  }

  /** The shipped standards plus every {@code *.yaml} in {@code extraDir} (which may override). */
  public static StandardsCatalog load(Path extraDir) {
    Map<String, Standard> all = new LinkedHashMap<>();
    for (String file : index()) {
      try (InputStream in = StandardsCatalog.class.getResourceAsStream(BASE + file)) {
        if (in == null)
          throw new IllegalStateException("standards/index.txt names missing file " + file);
        Standard s = parse(YAML.readTree(in), file);
        all.put(s.name(), s);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read standard " + file + ": " + e.getMessage(), e);
      }
    }
    if (extraDir != null) {
      try (Stream<Path> files = Files.list(extraDir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          Standard s = parse(YAML.readTree(f.toFile()), f.toString());
          all.put(s.name(), s);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read standards from " + extraDir + ": " + e.getMessage(), e);
      }
    }
    return new StandardsCatalog(Map.copyOf(all));
  }

  public Standard get(String name) {
    Standard s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown standard '"
              + name
              + "' (known: "
              + String.join(", ", byName.keySet().stream().sorted().toList())
              + ")");
    }
    return s;
  }

  public List<String> names() {
    return byName.keySet().stream().sorted().toList();
  }

  /** The standards that limit {@code parameter}, by name. */
  public List<String> usedBy(String parameter) {
    return byName.values().stream()
        .filter(s -> s.parameters().containsKey(parameter))
        .map(Standard::name)
        .sorted()
        .toList();
  }

  /**
   * What the live system could not judge: each parameter a standard names that {@code parameters}
   * lacks, or has in another unit ("standard: parameter (why)"). Empty when every standard's every
   * parameter is accepted at intake in its unit.
   */
  public List<String> mismatches(ParameterCatalog parameters) {
    List<String> out = new ArrayList<>();
    for (Standard s : byName.values())
      s.parameters()
          .forEach(
              (code, limits) -> {
                ParameterCatalog.Parameter p = parameters.byCode(code);
                if (p == null) out.add(s.name() + ": " + code + " (not in the parameter catalog)");
                else if (!ParameterCatalog.sameUnit(p.unit(), limits.unit()))
                  out.add(
                      s.name()
                          + ": "
                          + code
                          + " (limited in "
                          + limits.unit()
                          + ", stored in "
                          + p.unit()
                          + ")");
                else if (!p.kind().equals("quality"))
                  out.add(s.name() + ": " + code + " (a " + p.kind() + ", never judged)");
              });
    return out;
  }

  private static List<String> index() {
    try (InputStream in = StandardsCatalog.class.getResourceAsStream(BASE + "index.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("standards/index.txt missing from the class path", e);
    }
  }

  static Standard parse(JsonNode root, String file) {
    Yaml y = new Yaml(file);
    String name = y.text(root, "name");
    String scheme = y.text(root, "coefficients");
    if (!List.of("kq_kf", "k", "none").contains(scheme))
      throw y.error("coefficients", "must be kq_kf, k or none, got '" + scheme + "'");
    Map<String, String> columns = new LinkedHashMap<>();
    root.path("columns")
        .fields()
        .forEachRemaining(e -> columns.put(e.getKey(), e.getValue().asText()));
    if (columns.isEmpty()) throw y.error("columns", "at least one column");
    Standard.Tiers tiers = root.has("tiers") ? y.tiers(root.get("tiers")) : null;
    Map<String, String> sectors = new LinkedHashMap<>();
    root.path("sectors")
        .fields()
        .forEachRemaining(e -> sectors.put(e.getKey(), e.getValue().asText()));
    Map<String, Standard.ParameterLimits> params = new LinkedHashMap<>();
    root.path("parameters")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode p = e.getValue();
              String at = "parameters." + e.getKey();
              Map<String, Limit> byColumn = new LinkedHashMap<>();
              Map<String, Map<String, Limit>> byColumnTier = new LinkedHashMap<>();
              for (String col : columns.keySet()) {
                if (!p.has(col)) continue;
                JsonNode v = p.get(col);
                if (v.isObject()) byColumnTier.put(col, y.tiered(v, tiers, at + "." + col));
                else byColumn.put(col, y.limit(v, at + "." + col));
              }
              List<String> only = new ArrayList<>();
              p.path("sectors").forEach(n -> only.add(n.asText()));
              for (String sector : only)
                if (!sectors.containsKey(sector))
                  throw y.error(
                      at + ".sectors",
                      "'" + sector + "' is not one of sectors " + sectors.keySet());
              params.put(
                  e.getKey(),
                  new Standard.ParameterLimits(
                      y.text(p, "unit", at),
                      byColumn,
                      byColumnTier,
                      p.path("multiply").asBoolean(false),
                      List.copyOf(only)));
            });
    Map<String, Standard.Coefficient> kq = new LinkedHashMap<>();
    root.path("kq")
        .fields()
        .forEachRemaining(e -> kq.put(e.getKey(), y.coefficient(e.getValue(), "kq." + e.getKey())));
    Standard.Coefficient kf = root.has("kf") ? y.coefficient(root.get("kf"), "kf") : null;
    Map<String, Standard.SizeCoefficient> k = new LinkedHashMap<>();
    root.path("k")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode n = e.getValue();
              String at = "k." + e.getKey();
              Map<String, Double> orAtLeast = new LinkedHashMap<>();
              n.path("or_at_least")
                  .fields()
                  .forEachRemaining(
                      o ->
                          orAtLeast.put(
                              o.getKey(), y.number(n.get("or_at_least"), o.getKey(), at)));
              k.put(
                  e.getKey(),
                  new Standard.SizeCoefficient(
                      y.text(n, "measure", at),
                      y.number(n, "threshold", at),
                      y.number(n, "large", at),
                      y.number(n, "small", at),
                      orAtLeast));
            });
    if (scheme.equals("kq_kf") && (kq.isEmpty() || kf == null))
      throw y.error("kq", "a kq_kf standard needs kq and kf tables");
    List<String> sources = new ArrayList<>();
    root.path("sources").forEach(n -> sources.add(n.asText()));
    return new Standard(
        name, y.text(root, "kind"), scheme, columns, tiers, sectors, params, kq, kf, k, sources);
  }

  /** Reads YAML nodes with errors that name the file and the path. */
  record Yaml(String file) {
    IllegalArgumentException error(String path, String what) {
      return new IllegalArgumentException(file + ": " + path + ": " + what);
    }

    String text(JsonNode n, String field) {
      return text(n, field, "");
    }

    String text(JsonNode n, String field, String at) {
      JsonNode v = n.get(field);
      if (v == null || !v.isValueNode() || v.asText().isBlank())
        throw error(join(at, field), "required text");
      return v.asText();
    }

    double number(JsonNode n, String field, String at) {
      JsonNode v = n.get(field);
      if (v == null || !v.isNumber()) throw error(join(at, field), "required number");
      return v.asDouble();
    }

    Limit limit(JsonNode n, String at) {
      if (n.isNumber()) return new Limit.Maximum(n.asDouble());
      if (n.isArray()
          && n.size() == 2
          && n.get(0).isNumber()
          && n.get(1).isNumber()
          && n.get(0).asDouble() < n.get(1).asDouble()) {
        return new Limit.Range(n.get(0).asDouble(), n.get(1).asDouble());
      }
      throw error(at, "a limit is a number (maximum) or [min, max]");
    }

    /** {@code {measure: …, bands: [{name, above?, up_to?}, …]}}: bands in order, no gap. */
    Standard.Tiers tiers(JsonNode n) {
      String measure = text(n, "measure", "tiers");
      if (!TIER_MEASURES.contains(measure))
        throw error("tiers.measure", "one of " + TIER_MEASURES + ", got '" + measure + "'");
      List<Standard.Tier> bands = new ArrayList<>();
      Double previous = null;
      for (JsonNode b : n.path("bands")) {
        String at = "tiers.bands[" + bands.size() + "]";
        Double above = b.has("above") ? b.get("above").asDouble() : null;
        Double upTo = b.has("up_to") ? b.get("up_to").asDouble() : null;
        if (!Objects.equals(above, previous))
          throw error(at, "must start where the previous tier ended (above: " + previous + ")");
        if (upTo == null && b != n.path("bands").get(n.path("bands").size() - 1))
          throw error(at, "only the last tier is open-ended");
        bands.add(new Standard.Tier(text(b, "name", at), above, upTo));
        previous = upTo;
      }
      if (bands.isEmpty()) throw error("tiers.bands", "at least one tier");
      if (previous != null) throw error("tiers.bands", "the last tier must be open-ended");
      return new Standard.Tiers(measure, List.copyOf(bands));
    }

    /** {@code {T1: 80, T2: 60, …}}: a limit for every tier of the standard. */
    Map<String, Limit> tiered(JsonNode n, Standard.Tiers tiers, String at) {
      if (tiers == null) throw error(at, "limits by tier need a tiers table");
      Map<String, Limit> out = new LinkedHashMap<>();
      for (Standard.Tier t : tiers.bands()) {
        if (!n.has(t.name())) throw error(at, "no limit for tier " + t.name());
        out.put(t.name(), limit(n.get(t.name()), at + "." + t.name()));
      }
      n.fieldNames()
          .forEachRemaining(
              f -> {
                if (!out.containsKey(f)) throw error(at + "." + f, "not a tier of this standard");
              });
      return out;
    }

    Standard.Coefficient coefficient(JsonNode n, String at) {
      Double value = n.has("value") ? n.get("value").asDouble() : null;
      String column = n.has("column") ? n.get("column").asText() : null;
      Double kf = n.has("kf") ? n.get("kf").asDouble() : null;
      List<Standard.Band> bands = new ArrayList<>();
      for (JsonNode b : n.path("bands")) {
        bands.add(
            new Standard.Band(
                b.has("above") ? b.get("above").asDouble() : null,
                b.has("up_to") ? b.get("up_to").asDouble() : null,
                number(b, "value", at + ".bands")));
      }
      if (value == null && bands.isEmpty()) throw error(at, "needs a value or bands");
      if (value == null && !n.has("measure")) throw error(at, "bands need a measure");
      return new Standard.Coefficient(n.path("measure").asText(null), bands, value, column, kf);
    }

    private static String join(String at, String field) {
      return at.isEmpty() ? field : at + "." + field;
    }
  }
}

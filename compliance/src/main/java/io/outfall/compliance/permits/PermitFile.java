package io.outfall.compliance.permits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.Limit;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads permit YAML. A file holds one permit, or a station's successive permits under {@code
 * versions:} (each valid from its date, so that a standard transition takes effect on its day):
 *
 * <pre>
 * station: PHUNGHIA-OUT
 * standard: QCVN 40:2011/BTNMT
 * column: B
 * receiving: {type: river, flow_m3s: 30}     # or kq: 0.9
 * discharge_m3_per_day: 3000                 # or kf: 1.0
 * limits: {COD: 120}                         # stricter than the standard, optional
 * parameters: [COD, TSS, pH, NH4_N, temperature]
 * valid_from: 2024-01-01
 * averaging: 1h
 * sampling: {"*": 5m, COD: 15m}              # expected interval; optional
 * </pre>
 */
public final class PermitFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> KEYS =
      Set.of(
          "station",
          "standard",
          "column",
          "kq",
          "kf",
          "k",
          "receiving",
          "discharge_m3_per_day",
          "design_capacity_m3_per_day",
          "sector",
          "facility",
          "limits",
          "parameters",
          "valid_from",
          "valid_to",
          "averaging",
          "sampling",
          "versions");

  private PermitFile() {}

  /** The permits in the file, oldest first. */
  public static List<Permit> read(Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
    if (root == null || !root.isObject())
      throw new IllegalArgumentException(file + ": expected a mapping");
    return parse(root, file.toString());
  }

  /** The permits in YAML text (from an API request, a test); {@code where} names it in errors. */
  public static List<Permit> parse(String yaml, String where) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage());
    }
    if (root == null || !root.isObject())
      throw new IllegalArgumentException(where + ": expected a mapping");
    return parse(root, where);
  }

  static List<Permit> parse(JsonNode root, String where) {
    List<Permit> out = new ArrayList<>();
    if (root.has("versions")) {
      int i = 0;
      for (JsonNode v : root.get("versions")) {
        JsonNode merged = root.deepCopy();
        ((ObjectNode) merged).remove("versions");
        ((ObjectNode) merged).setAll((ObjectNode) v);
        out.add(one(merged, where + ": versions[" + i++ + "]"));
      }
    } else {
      out.add(one(root, where));
    }
    out.sort(Comparator.comparing(p -> p.validFrom() == null ? LocalDate.MIN : p.validFrom()));
    return out;
  }

  private static Permit one(JsonNode n, String where) {
    n.fieldNames()
        .forEachRemaining(
            k -> {
              if (!KEYS.contains(k))
                throw new IllegalArgumentException(
                    where
                        + ": unknown key '"
                        + k
                        + "' (known: "
                        + String.join(", ", KEYS.stream().sorted().toList())
                        + ")");
            });
    Permit.Receiving receiving = null;
    if (n.has("receiving")) {
      JsonNode r = n.get("receiving");
      receiving =
          new Permit.Receiving(
              text(r, "type", where + ": receiving"),
              number(r, "flow_m3s", where),
              number(r, "volume_m3", where));
    }
    Permit.Facility facility = null;
    if (n.has("facility")) {
      JsonNode f = n.get("facility");
      Map<String, Double> size = new LinkedHashMap<>();
      f.fields()
          .forEachRemaining(
              e -> {
                if (!e.getKey().equals("type")) size.put(e.getKey(), e.getValue().asDouble());
              });
      facility = new Permit.Facility(text(f, "type", where + ": facility"), size);
    }
    Map<String, Limit> limits = new LinkedHashMap<>();
    n.path("limits")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              if (v.isNumber() && v.asDouble() > 0)
                limits.put(e.getKey(), new Limit.Maximum(v.asDouble()));
              else if (v.isArray() && v.size() == 2 && v.get(0).asDouble() < v.get(1).asDouble())
                limits.put(e.getKey(), new Limit.Range(v.get(0).asDouble(), v.get(1).asDouble()));
              else
                throw new IllegalArgumentException(
                    where + ": limits." + e.getKey() + ": a positive number or [min, max]");
            });
    List<String> parameters = new ArrayList<>();
    n.path("parameters").forEach(p -> parameters.add(p.asText()));
    return new Permit(
        text(n, "station", where),
        text(n, "standard", where),
        n.has("column") ? n.get("column").asText() : null,
        number(n, "kq", where),
        number(n, "kf", where),
        number(n, "k", where),
        receiving,
        number(n, "discharge_m3_per_day", where),
        number(n, "design_capacity_m3_per_day", where),
        n.has("sector") ? text(n, "sector", where) : null,
        facility,
        limits,
        parameters,
        date(n, "valid_from", where),
        date(n, "valid_to", where),
        averaging(n, where),
        SamplingPlan.parse(n.get("sampling"), where + ": sampling"));
  }

  private static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || v.asText().isBlank())
      throw new IllegalArgumentException(where + ": " + field + " is required");
    return v.asText();
  }

  private static Double number(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null) return null;
    if (!v.isNumber() || v.asDouble() <= 0)
      throw new IllegalArgumentException(
          where + ": " + field + " must be a positive number, got " + v);
    return v.asDouble();
  }

  private static LocalDate date(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null) return null;
    try {
      return LocalDate.parse(v.asText());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          where + ": " + field + " must be a date like 2026-01-01, got '" + v.asText() + "'");
    }
  }

  private static Duration averaging(JsonNode n, String where) {
    JsonNode v = n.get("averaging");
    if (v == null) return Duration.ofHours(1);
    String s = v.asText().trim();
    try {
      Duration d =
          switch (s.charAt(s.length() - 1)) {
            case 'm' -> Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            case 'h' -> Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
            case 'd' -> Duration.ofDays(Long.parseLong(s.substring(0, s.length() - 1)));
            default -> Duration.parse(s);
          };
      if (d.isNegative() || d.isZero() || Duration.ofDays(1).toMillis() % d.toMillis() != 0)
        throw new IllegalArgumentException();
      return d;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          where + ": averaging must divide a day evenly (e.g. 15m, 1h, 1d), got '" + s + "'");
    }
  }
}

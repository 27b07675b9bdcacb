package io.outfall.compliance.parameters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.protocol.Units;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters Outfall knows: code, storage id, unit, kind and names. One list serves payloads,
 * storage, validation, standards, pages and the department's files; the shipped one is data ({@code
 * parameters.yaml} beside the standards), which the server loads into its {@code parameters} table
 * at start. Immutable.
 */
public final class ParameterCatalog {
  private static final String FILE = "/io/outfall/compliance/parameters.yaml";
  private static final Set<String> KINDS = Set.of("quality", "flow", "meter");

  /**
   * One parameter.
   *
   * @param kind {@code quality} (judged against limits), {@code flow}, or {@code meter} (a
   *     cumulative counter, never judged)
   */
  public record Parameter(
      short id, String code, String unit, String kind, String nameEn, String nameVi) {}

  private final Map<String, Parameter> byCode = new LinkedHashMap<>();
  private final Map<Short, Parameter> byId = new LinkedHashMap<>();

  /** A catalog of {@code parameters}; a code or id given twice is an error. */
  public ParameterCatalog(Collection<Parameter> parameters) {
    for (Parameter p : parameters) {
      if (byCode.put(p.code(), p) != null)
        throw new IllegalArgumentException("parameter code " + p.code() + " is given twice");
      if (byId.put(p.id(), p) != null)
        throw new IllegalArgumentException(
            "parameter id " + p.id() + " is given twice (" + p.code() + ")");
    }
  }

  /** The shipped catalog ({@code parameters.yaml}). */
  public static ParameterCatalog shipped() {
    try (InputStream in = ParameterCatalog.class.getResourceAsStream(FILE)) {
      if (in == null) throw new IllegalStateException(FILE + " is missing from the class path");
      return parse(new ObjectMapper(new YAMLFactory()).readTree(in), FILE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + FILE + ": " + e.getMessage(), e);
    }
  }

  static ParameterCatalog parse(JsonNode root, String where) {
    JsonNode params = root.path("parameters");
    if (!params.isObject() || params.isEmpty())
      throw new IllegalArgumentException(where + ": parameters: a mapping of codes is required");
    List<Parameter> list = new ArrayList<>();
    params
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode p = e.getValue();
              String at = where + ": parameters." + e.getKey();
              int id = p.path("id").asInt(-1);
              if (!p.path("id").isInt() || id <= 0 || id > Short.MAX_VALUE)
                throw new IllegalArgumentException(at + ".id: a positive whole number");
              String kind = text(p, "kind", at);
              if (!KINDS.contains(kind))
                throw new IllegalArgumentException(at + ".kind: one of " + KINDS + ", got " + kind);
              list.add(
                  new Parameter(
                      (short) id,
                      e.getKey(),
                      text(p, "unit", at),
                      kind,
                      text(p, "en", at),
                      text(p, "vi", at)));
            });
    return new ParameterCatalog(list);
  }

  private static String text(JsonNode n, String field, String at) {
    JsonNode v = n.get(field);
    if (v == null || !v.isValueNode() || v.asText().isBlank())
      throw new IllegalArgumentException(at + "." + field + ": required text");
    return v.asText();
  }

  public Parameter byCode(String code) {
    return byCode.get(code);
  }

  public Parameter byId(short id) {
    return byId.get(id);
  }

  /** Every parameter, in the catalog's order. */
  public Collection<Parameter> all() {
    return Collections.unmodifiableCollection(byCode.values());
  }

  public List<String> codes() {
    return List.copyOf(byCode.keySet());
  }

  /**
   * Whether a unit sent by a gateway means the catalog unit (see {@link Units#same}): spelling is
   * forgiven, another unit is not.
   */
  public static boolean sameUnit(String catalogUnit, String sent) {
    return Units.same(catalogUnit, sent);
  }
}

package io.outfall.ingest.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** Resolved settings: overrides, then environment, then config file, then defaults. */
public final class Settings {
  private final Map<Setting, String> values;

  private Settings(Map<Setting, String> values) {
    this.values = values;
  }

  public static Settings defaults() {
    return resolve(null, Map.of(), Map.of());
  }

  /**
   * @param file YAML config file, or null
   * @param env the environment ({@code System.getenv()})
   * @param overrides values that win over everything (command-line flags)
   */
  public static Settings resolve(
      Path file, Map<String, String> env, Map<Setting, String> overrides) {
    Map<String, String> fromFile = file == null ? Map.of() : readFile(file);
    Map<Setting, String> values = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      String v = overrides.get(s);
      if (v == null) v = env.get(s.envName());
      if (v == null) v = fromFile.get(s.key());
      if (v == null) v = s.defaultValue();
      values.put(s, v);
    }
    return new Settings(values);
  }

  public Settings with(Setting setting, Object value) {
    Map<Setting, String> copy = new EnumMap<>(values);
    copy.put(setting, String.valueOf(value));
    return new Settings(copy);
  }

  public String get(Setting s) {
    return values.get(s);
  }

  public int getInt(Setting s) {
    try {
      return Integer.parseInt(values.get(s).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "setting "
              + s.key()
              + " ("
              + s.envName()
              + ") must be a whole number, got '"
              + values.get(s)
              + "'");
    }
  }

  /** A number, or null when the setting is empty (not set). */
  public Double getDecimal(Setting s) {
    String v = values.get(s).trim();
    if (v.isEmpty()) return null;
    try {
      double d = Double.parseDouble(v);
      if (Double.isFinite(d)) return d;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "setting " + s.key() + " (" + s.envName() + ") must be a number, got '" + v + "'");
  }

  private static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> flat = new HashMap<>();
    if (root != null) {
      flatten("", root, flat);
    }
    Map<String, Setting> known = new HashMap<>();
    for (Setting s : Setting.values()) known.put(s.key(), s);
    for (String key : flat.keySet()) {
      if (!known.containsKey(key)) {
        throw new IllegalArgumentException("unknown setting '" + key + "' in " + file);
      }
    }
    return flat;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else if (!node.isNull()) {
      out.put(prefix, node.asText());
    }
  }
}

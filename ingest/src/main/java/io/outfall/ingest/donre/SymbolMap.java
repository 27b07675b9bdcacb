package io.outfall.ingest.donre;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which symbol and unit spelling a province's files use for each of Outfall's parameter codes, both
 * ways: the default ({@code symbols-default.yaml}, with its sources) or a province's own file.
 */
public final class SymbolMap {
  /** How a parameter is written in the department's files. */
  public record Symbol(String parameter, String symbol, String unit) {}

  private final Map<String, Symbol> byParameter;
  private final Map<String, Symbol> bySymbol;

  private SymbolMap(Map<String, Symbol> byParameter) {
    this.byParameter = Collections.unmodifiableMap(byParameter);
    Map<String, Symbol> symbols = new LinkedHashMap<>();
    for (Symbol s : byParameter.values()) {
      Symbol clash = symbols.put(key(s.symbol()), s);
      if (clash != null)
        throw new IllegalArgumentException(
            "symbol "
                + s.symbol()
                + " is given to both "
                + clash.parameter()
                + " and "
                + s.parameter());
    }
    this.bySymbol = Collections.unmodifiableMap(symbols);
  }

  /** The shipped default. */
  public static SymbolMap shipped() {
    try (InputStream in = SymbolMap.class.getResourceAsStream("symbols-default.yaml")) {
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A province's file, or the shipped default when {@code file} is null. */
  public static SymbolMap load(Path file) throws IOException {
    return file == null ? shipped() : parse(Files.readString(file));
  }

  /** {@code parameters: {code: {symbol: S, unit: U}, ...}}. */
  static SymbolMap parse(String yaml) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("symbols file: not YAML: " + e.getMessage());
    }
    JsonNode ps = root == null ? null : root.get("parameters");
    if (ps == null || !ps.isObject() || ps.isEmpty())
      throw new IllegalArgumentException("symbols file: 'parameters' mapping is required");
    Map<String, Symbol> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = ps.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode symbol = e.getValue().get("symbol");
      JsonNode unit = e.getValue().get("unit");
      if (symbol == null || symbol.asText().isBlank() || unit == null || unit.asText().isBlank())
        throw new IllegalArgumentException(
            "symbols file: parameters." + e.getKey() + ": symbol and unit are required");
      out.put(e.getKey(), new Symbol(e.getKey(), symbol.asText(), unit.asText()));
    }
    return new SymbolMap(out);
  }

  /** How {@code parameter} is written, or null when the department's files do not carry it. */
  public Symbol forParameter(String parameter) {
    return byParameter.get(parameter);
  }

  /** The parameter a file's symbol stands for (case-insensitive), or null when unknown. */
  public Symbol forSymbol(String symbol) {
    return bySymbol.get(key(symbol));
  }

  private static String key(String symbol) {
    return symbol.trim().toLowerCase(Locale.ROOT);
  }
}

package io.outfall.protocol;

import java.util.Locale;

/** Unit spellings: one rule for every place that compares a sent unit with the catalog's. */
public final class Units {
  private Units() {}

  /**
   * Whether a unit written by a gateway or in a file means the catalog unit. Units are typed by
   * hand in register maps and spreadsheets, so spelling is forgiven (case, "³" for "3", "°C" for
   * "degC", "-" for pH), but a different unit is not: g/L is not mg/L, and no value is ever
   * converted.
   */
  public static boolean same(String catalogUnit, String sent) {
    // the spelling of nearly every reading: no normalizing (two lowercased copies each)
    if (catalogUnit.equals(sent)) return true;
    return normalize(catalogUnit).equals(normalize(sent));
  }

  private static String normalize(String unit) {
    String u = unit.trim().toLowerCase(Locale.ROOT).replace('³', '3').replace(" ", "");
    return switch (u) {
      case "°c", "oc", "degc", "celsius" -> "degc";
      case "-", "ph" -> "ph";
      default -> u;
    };
  }
}

package io.outfall.compliance.evaluation;

/**
 * Values no analyzer can truly measure in effluent: negative concentrations, flows or counts, pH
 * outside 0–14, water temperatures outside −5…100 °C. Such a reading is a sensor or wiring fault
 * (or a sentinel like −999), a data-quality issue, and never part of a mean.
 */
final class Plausibility {
  private Plausibility() {}

  static boolean possible(String parameter, double value) {
    if (!Double.isFinite(value)) return false;
    return switch (parameter) {
      case "pH" -> value >= 0 && value <= 14;
      case "temperature" -> value >= -5 && value <= 100;
      default -> value >= 0;
    };
  }

  static String describe(String parameter) {
    return switch (parameter) {
      case "pH" -> "pH is between 0 and 14";
      case "temperature" -> "effluent temperature is between -5 and 100 °C";
      default -> parameter + " cannot be negative";
    };
  }
}

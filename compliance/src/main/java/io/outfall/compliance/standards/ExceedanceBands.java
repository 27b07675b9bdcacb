package io.outfall.compliance.standards;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The sanction ladder: severity band of a breach from its exceedance factor (window mean / Cmax),
 * and pH's own bands from the measured value. Loaded from {@code exceedance-bands.yaml}.
 */
public final class ExceedanceBands {
  private record FactorBand(String band, double from, Double to) {}

  private record PhBand(String band, Double lowFrom, Double highBelow) {}

  private final List<FactorBand> factorBands;
  private final List<PhBand> phBands;

  private ExceedanceBands(List<FactorBand> factorBands, List<PhBand> phBands) {
    this.factorBands = factorBands;
    this.phBands = phBands;
  }

  public static ExceedanceBands shipped() {
    try (InputStream in =
        ExceedanceBands.class.getResourceAsStream("/io/outfall/compliance/exceedance-bands.yaml")) {
      JsonNode root = StandardsCatalog.YAML.readTree(in);
      List<FactorBand> f = new ArrayList<>();
      for (JsonNode b : root.path("factor_bands")) {
        f.add(
            new FactorBand(
                b.get("band").asText(),
                b.get("from").asDouble(),
                b.has("to") ? b.get("to").asDouble() : null));
      }
      List<PhBand> p = new ArrayList<>();
      for (JsonNode b : root.path("ph_bands")) {
        p.add(
            new PhBand(
                b.get("band").asText(),
                b.has("low_from") ? b.get("low_from").asDouble() : null,
                b.has("high_below") ? b.get("high_below").asDouble() : null));
      }
      return new ExceedanceBands(List.copyOf(f), List.copyOf(p));
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("exceedance-bands.yaml missing or unreadable", e);
    }
  }

  /** Band of a factor of 1.0 or more ("1" to "7"); null below 1.0 (no breach). */
  public String forFactor(double factor) {
    for (FactorBand b : factorBands) {
      if (factor >= b.from() && (b.to() == null || factor < b.to())) return b.band();
    }
    return null;
  }

  /** Band of a pH value outside {@code range}; null when inside. */
  public String forPh(Limit.Range range, double value) {
    if (range.allows(value)) return null;
    for (PhBand b : phBands) {
      boolean inBand =
          value < range.min()
              ? b.lowFrom() == null || value >= b.lowFrom()
              : b.highBelow() == null || value < b.highBelow();
      if (inBand) return b.band();
    }
    return phBands.get(phBands.size() - 1).band();
  }
}

package io.outfall.compliance.standards;

import java.util.List;
import java.util.Map;

/**
 * A discharge standard as loaded from its data file: C values per column and parameter, which
 * parameters take coefficients, and the coefficient tables.
 *
 * @param coefficients how Cmax is derived: {@code kq_kf} (C × Kq × Kf), {@code k} (C × K) or {@code
 *     none}
 */
public record Standard(
    String name,
    String kind,
    String coefficients,
    Map<String, String> columns,
    Map<String, ParameterLimits> parameters,
    Map<String, Coefficient> kq,
    Coefficient kf,
    Map<String, SizeCoefficient> k,
    List<String> sources) {

  /** C values of one parameter by column. */
  public record ParameterLimits(String unit, Map<String, Limit> byColumn, boolean multiply) {}

  /**
   * A coefficient that is either fixed or read from bands of a measure (e.g. river flow in m3/s).
   *
   * @param column a column this receiving type imposes (urban drainage: B), or null
   * @param kf a Kf this receiving type imposes, or null
   */
  public record Coefficient(
      String measure, List<Band> bands, Double value, String column, Double kf) {
    public double of(double measured) {
      if (value != null) return value;
      for (Band b : bands) {
        if ((b.above() == null || measured > b.above())
            && (b.upTo() == null || measured <= b.upTo())) {
          return b.value();
        }
      }
      throw new IllegalArgumentException(measure + " " + measured + " is in no band");
    }
  }

  /** A band (above, upTo]: applies when above < x <= upTo; null bounds are open. */
  public record Band(Double above, Double upTo, double value) {}

  /**
   * K by facility size: {@code large} at or above {@code threshold} of {@code measure}, else {@code
   * small}.
   */
  public record SizeCoefficient(String measure, double threshold, double large, double small) {}
}

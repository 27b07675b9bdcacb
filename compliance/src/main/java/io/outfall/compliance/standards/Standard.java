package io.outfall.compliance.standards;

import java.util.List;
import java.util.Map;

/**
 * A discharge standard as loaded from its data file: C values per column (and, in the 2025
 * standards' shape, per discharge-volume tier) and parameter, which parameters take coefficients or
 * apply only to some sectors, and the coefficient tables.
 *
 * @param coefficients how Cmax is derived: {@code kq_kf} (C × Kq × Kf), {@code k} (C × K) or {@code
 *     none}
 * @param tiers the discharge-volume tiers limits may depend on, or null when none do
 * @param sectors the sectors some parameters are limited for (code → description); empty when no
 *     parameter is sector-specific
 */
public record Standard(
    String name,
    String kind,
    String coefficients,
    Map<String, String> columns,
    Tiers tiers,
    Map<String, String> sectors,
    Map<String, ParameterLimits> parameters,
    Map<String, Coefficient> kq,
    Coefficient kf,
    Map<String, SizeCoefficient> k,
    List<String> sources) {

  /**
   * C values of one parameter: by column, or by column and tier.
   *
   * @param byColumn the limit of each column that has one for every tier
   * @param byColumnTier the limit of each column that differs by tier, tier by tier
   * @param sectors the sectors it applies to; empty: every facility
   */
  public record ParameterLimits(
      String unit,
      Map<String, Limit> byColumn,
      Map<String, Map<String, Limit>> byColumnTier,
      boolean multiply,
      List<String> sectors) {
    public ParameterLimits(String unit, Map<String, Limit> byColumn, boolean multiply) {
      this(unit, byColumn, Map.of(), multiply, List.of());
    }

    /** The limit of {@code column} for {@code tier} (null when the standard has no tiers). */
    public Limit limit(String column, String tier) {
      Map<String, Limit> tiered = byColumnTier.get(column);
      return tiered != null && tier != null ? tiered.get(tier) : byColumn.get(column);
    }

    public boolean appliesTo(String sector) {
      return sectors.isEmpty() || (sector != null && sectors.contains(sector));
    }
  }

  /**
   * Discharge-volume tiers: a facility is in the tier whose band holds its {@code measure} (a
   * permit field, e.g. {@code discharge_m3_per_day} or {@code design_capacity_m3_per_day}).
   */
  public record Tiers(String measure, List<Tier> bands) {
    /** The tier {@code value} falls in. */
    public Tier of(double value) {
      for (Tier t : bands)
        if ((t.above() == null || value > t.above()) && (t.upTo() == null || value <= t.upTo()))
          return t;
      throw new IllegalArgumentException(measure + " " + value + " is in no tier");
    }
  }

  /** A tier (above, upTo]; null bounds are open. */
  public record Tier(String name, Double above, Double upTo) {}

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
   * K by facility size: {@code large} at or above {@code threshold} of {@code measure}, or at or
   * above any of {@code orAtLeast} (e.g. a hotel of 3 stars or more, whatever its rooms), else
   * {@code small}.
   */
  public record SizeCoefficient(
      String measure,
      double threshold,
      double large,
      double small,
      Map<String, Double> orAtLeast) {}
}

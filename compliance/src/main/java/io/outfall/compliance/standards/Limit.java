package io.outfall.compliance.standards;

import java.math.BigDecimal;
import java.math.MathContext;

/** A limit of a standard: a maximum (most parameters) or an allowed range (pH). */
public sealed interface Limit {
  /** The limit after coefficients; a range is never multiplied. */
  Limit times(double coefficient);

  /** Whether a value complies. */
  boolean allows(double value);

  /**
   * value / limit for a maximum; for a range, how far outside relative to the nearer bound (1.0 at
   * the bound).
   */
  double ratio(double value);

  record Maximum(double max) implements Limit {
    @Override
    public Limit times(double coefficient) {
      // Decimal arithmetic to 10 significant digits (far more than any C, Kq, Kf or K has): 150 ×
      // 0.9 × 1.1 is 148.5 as the regulation computes it, not 148.50000000000003, which would
      // print in reports and shift a verdict at the boundary.
      return new Maximum(
          BigDecimal.valueOf(max)
              .multiply(BigDecimal.valueOf(coefficient))
              .round(new MathContext(10))
              .stripTrailingZeros()
              .doubleValue());
    }

    @Override
    public boolean allows(double value) {
      return value <= max;
    }

    @Override
    public double ratio(double value) {
      return value / max;
    }
  }

  record Range(double min, double max) implements Limit {
    @Override
    public Limit times(double coefficient) {
      return this;
    }

    @Override
    public boolean allows(double value) {
      return value >= min && value <= max;
    }

    @Override
    public double ratio(double value) {
      return value < min ? min / value : value / max;
    }
  }
}

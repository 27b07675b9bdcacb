package io.outfall.alerts.standards;

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
      return new Maximum(max * coefficient);
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

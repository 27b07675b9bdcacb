package io.outfall.ingest.targets;

import java.time.LocalDate;

/**
 * Whether a plant meets its cleaner-production targets: each intensity of a period (the month, the
 * quarter, the year so far) against the same intensity over the target's baseline. Pure: figures
 * in, verdicts out.
 *
 * <p>A target of {@code p} % is met when the period's intensity is at most the baseline's times
 * {@code 1 - p/100}. A period still running is {@link Status#ON_TRACK} or {@link Status#BEHIND} on
 * what it has so far; only a period that has ended is {@link Status#MET} or {@link Status#MISSED}.
 */
public final class TargetJudgement {
  private TargetJudgement() {}

  /** The intensities a target can be set for, by their name in the API. */
  public enum Kpi {
    ENERGY_PER_M3("energy_kwh_per_m3"),
    CHEMICAL_PER_M3("chemical_kg_per_m3"),
    ENERGY_PER_UNIT("energy_kwh_per_unit");

    public final String key;

    Kpi(String key) {
      this.key = key;
    }
  }

  public enum Status {
    MET,
    MISSED,
    ON_TRACK,
    BEHIND,
    /** no target is set for this intensity */
    NO_TARGET,
    /** the period or the baseline has nothing to compute the intensity from */
    NO_DATA;

    public String code() {
      return name().toLowerCase();
    }
  }

  /**
   * The targets that apply to a plant and where they come from.
   *
   * @param scope {@code plant}, {@code cluster} or {@code province}
   * @param of the plant's or cluster's code; null for the province
   * @param baselineTo excluded
   * @param energyPct % less energy per m³ treated; null: no target
   * @param productUnit what one unit of the plant's production meter is (e.g. "t of paper")
   * @param source the programme or decision the numbers are taken from, as the setter wrote it
   */
  public record Target(
      String scope,
      String of,
      LocalDate baselineFrom,
      LocalDate baselineTo,
      Double energyPct,
      Double chemicalPct,
      Double productPct,
      String productUnit,
      String source) {
    public Double pct(Kpi kpi) {
      return switch (kpi) {
        case ENERGY_PER_M3 -> energyPct;
        case CHEMICAL_PER_M3 -> chemicalPct;
        case ENERGY_PER_UNIT -> productPct;
      };
    }
  }

  /**
   * @param targetValue the highest intensity that meets the target
   * @param changePct the period's intensity against the baseline's, in %; negative is a saving
   */
  public record Verdict(
      Kpi kpi,
      Double value,
      Double baseline,
      Double changePct,
      Double targetPct,
      Double targetValue,
      Status status) {}

  /**
   * @param value the period's intensity, null when it cannot be computed
   * @param baseline the baseline's intensity, null when it cannot be computed
   * @param targetPct the reduction aimed at, null when none is set
   * @param ended whether the period is over (else it is judged on what it has so far)
   */
  public static Verdict judge(
      Kpi kpi, Double value, Double baseline, Double targetPct, boolean ended) {
    Double change =
        value == null || baseline == null || baseline == 0
            ? null
            : (value - baseline) / baseline * 100;
    if (targetPct == null)
      return new Verdict(kpi, value, baseline, change, null, null, Status.NO_TARGET);
    if (value == null || baseline == null || baseline == 0)
      return new Verdict(kpi, value, baseline, change, targetPct, null, Status.NO_DATA);
    double limit = baseline * (1 - targetPct / 100);
    boolean meets = value <= limit;
    Status s =
        ended ? (meets ? Status.MET : Status.MISSED) : (meets ? Status.ON_TRACK : Status.BEHIND);
    return new Verdict(kpi, value, baseline, change, targetPct, limit, s);
  }
}

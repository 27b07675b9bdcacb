package io.outfall.compliance.evaluation;

import io.outfall.compliance.standards.Limit;
import java.time.Instant;

/**
 * The verdict on one averaging window of one parameter. Only valid readings (status 00, physically
 * possible) make the mean; calibration and fault periods are never a breach.
 *
 * @param mean mean of valid readings, null when there were none
 * @param factor mean / Cmax for a maximum; null for a range limit (pH) or without a verdict
 * @param band sanction band of a breach ("1".."7", "ph-1".."ph-3"), else null
 * @param derivation how the limit was derived, for the explanation
 */
public record WindowResult(
    String station,
    String parameter,
    Instant start,
    Instant end,
    Double mean,
    int readings,
    int valid,
    Limit limit,
    Verdict verdict,
    Double factor,
    String band,
    String derivation) {

  public enum Verdict {
    COMPLIANT,
    BREACH,
    /** No valid reading in the window (only calibration, fault, or nothing). */
    NO_DATA,
    /** No permit or no limit for this parameter at this time. */
    NO_LIMIT
  }
}

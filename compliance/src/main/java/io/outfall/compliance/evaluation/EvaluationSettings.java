package io.outfall.compliance.evaluation;

import java.time.Duration;

/**
 * Tuning of the rules that are not fixed by regulation.
 *
 * @param approachRatio an approach warning above this share of the limit (0.8 = 80%)
 * @param debounceReadings consecutive readings needed to raise or clear a warning
 * @param hysteresis how far below the threshold (as a share) a value must fall to clear a warning
 *     or resolve a breach, so that a value hovering at the limit does not flap
 * @param staleAfter no reading from a station for this long is a data-quality issue (or for twice
 *     its sampling plan's longest interval, when that is longer)
 * @param flatLineAfter the same valid value for this long is a stuck sensor
 * @param faultAfter device status 02 for this long is a data-quality issue
 * @param minCompleteness share of a window's sampling slots with a valid reading below which it is
 *     incomplete (see {@link io.outfall.compliance.sampling.Completeness})
 * @param windowGrace how long after a window ends late readings are still waited for (live path)
 */
public record EvaluationSettings(
    double approachRatio,
    int debounceReadings,
    double hysteresis,
    Duration staleAfter,
    Duration flatLineAfter,
    Duration faultAfter,
    double minCompleteness,
    Duration windowGrace) {

  public static EvaluationSettings defaults() {
    return new EvaluationSettings(
        0.8,
        3,
        0.05,
        Duration.ofMinutes(30),
        Duration.ofHours(2),
        Duration.ofHours(1),
        0.8,
        Duration.ofMinutes(2));
  }

  public EvaluationSettings withWindowGrace(Duration grace) {
    return new EvaluationSettings(
        approachRatio,
        debounceReadings,
        hysteresis,
        staleAfter,
        flatLineAfter,
        faultAfter,
        minCompleteness,
        grace);
  }
}

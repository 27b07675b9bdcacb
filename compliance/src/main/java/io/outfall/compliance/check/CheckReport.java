package io.outfall.compliance.check;

import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.standards.Limit;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an offline check found.
 *
 * @param limits the limits in force (of the latest permit version that covers the data)
 * @param breaches every averaging window whose mean broke its limit
 * @param warnings early-warning episodes (single readings above the limit, or approaching it)
 * @param dataQuality data-quality episodes (never breaches)
 * @param completeness each parameter's data completeness over the windows judged, as every surface
 *     counts it ({@link Completeness})
 * @param skipped readings not judged, by why (other station, unit mismatch, late)
 */
public record CheckReport(
    String station,
    EffectiveLimits limits,
    List<WindowResult> breaches,
    List<Episode> warnings,
    List<Episode> dataQuality,
    Summary summary,
    Map<String, ParameterCompleteness> completeness,
    Map<String, Long> skipped) {

  /** A parameter's planned interval, the slot it is counted in, and its share of filled slots. */
  public record ParameterCompleteness(Duration interval, Duration slot, Completeness.Share share) {}

  /** Counts over the whole replay. */
  public record Summary(long readings, long windows, long compliant, long breach, long noData) {}

  /** A limit as JSON-ready data: a number, or [min, max]. */
  public static Object json(Limit l) {
    if (l == null) return null;
    if (l instanceof Limit.Range r) return List.of(r.min(), r.max());
    return ((Limit.Maximum) l).max();
  }
}

package io.outfall.compliance.check;

import io.outfall.compliance.evaluation.ComplianceEvaluator;
import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.EvaluationSettings;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.Units;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays readings through the live evaluator ({@link ComplianceEvaluator}, unchanged) and collects
 * what it finds: "would last month have passed under the new standard?"
 */
public final class ComplianceCheck {
  private ComplianceCheck() {}

  /**
   * @param plan the sampling plan given for the check ({@link SamplingPlan#NONE}: the permit's,
   *     else what the readings themselves show)
   */
  public static CheckReport run(
      PermitSchedule permits,
      ExceedanceBands bands,
      EvaluationSettings settings,
      SamplingPlan plan,
      List<Reading> readings) {
    SamplingPlan effective =
        plan.orElse(permits.versions().get(permits.versions().size() - 1).permit().sampling())
            .orElse(measured(permits.station(), readings));
    List<WindowResult> breaches = new ArrayList<>();
    List<Episode> warnings = new ArrayList<>();
    List<Episode> quality = new ArrayList<>();
    Map<Object, Episode> open = new LinkedHashMap<>();
    long[] windows = new long[4];
    ComplianceEvaluator evaluator =
        new ComplianceEvaluator(
            permits,
            bands,
            settings,
            effective,
            new ComplianceEvaluator.Listener() {
              @Override
              public void window(WindowResult r) {
                windows[r.verdict().ordinal()]++;
                if (r.verdict() == WindowResult.Verdict.BREACH) breaches.add(r);
              }

              @Override
              public void opened(Episode e) {
                open.put(key(e), e);
              }

              @Override
              public void closed(Episode e) {
                open.remove(key(e));
                collect(e);
              }

              private void collect(Episode e) {
                switch (e.kind().family) {
                  case WARNING -> warnings.add(e);
                  case DATA_QUALITY -> quality.add(e);
                  default -> {} // breach episodes: the windows above are the verdicts
                }
              }

              private Object key(Episode e) {
                return List.of(
                    e.kind().family,
                    String.valueOf(e.parameter()),
                    e.kind().family == Episode.Family.DATA_QUALITY ? e.kind() : "");
              }
            });

    Map<String, Long> skipped = new LinkedHashMap<>();
    long judged = 0;
    Instant last = null;
    Map<String, List<Long>> validTimes = new LinkedHashMap<>();
    Map<String, Instant> firstValid = new LinkedHashMap<>();
    for (Reading r : readings) {
      if (!r.station().equals(permits.station())) {
        skipped.merge("other station", 1L, Long::sum);
        continue;
      }
      EffectiveLimits at = permits.at(Instant.ofEpochMilli(r.timestampMs()));
      EffectiveLimits.Entry entry = at == null ? null : at.get(r.parameter());
      if (entry != null && entry.unit() != null && !Units.same(entry.unit(), r.unit())) {
        skipped.merge(
            "unit mismatch ("
                + r.parameter()
                + " in "
                + r.unit()
                + ", limit in "
                + entry.unit()
                + ")",
            1L,
            Long::sum);
        continue;
      }
      evaluator.accept(r);
      judged++;
      last = Instant.ofEpochMilli(r.timestampMs());
      validTimes.computeIfAbsent(r.parameter(), k -> new ArrayList<>());
      if (r.status() == DeviceStatus.MEASURING) {
        firstValid.putIfAbsent(r.parameter(), last);
        validTimes.get(r.parameter()).add(r.timestampMs());
      }
    }
    evaluator.finish();
    // Episodes still going at the end of the data are reported open (end null).
    for (Episode e : open.values()) {
      switch (e.kind().family) {
        case WARNING -> warnings.add(e);
        case DATA_QUALITY -> quality.add(e);
        default -> {}
      }
    }
    if (evaluator.lateReadings() > 0) skipped.put("late", evaluator.lateReadings());
    EffectiveLimits limits =
        last != null && permits.at(last) != null
            ? permits.at(last)
            : permits.versions().get(permits.versions().size() - 1);
    // completeness as every surface counts it, over the windows the replay judged
    Map<String, CheckReport.ParameterCompleteness> completeness = new LinkedHashMap<>();
    if (last != null) {
      Instant end = evaluator.windowEnd(last);
      for (var e : validTimes.entrySet()) {
        Duration slot = effective.slot(e.getKey());
        Completeness.Share share =
            Completeness.of(
                e.getValue().stream().mapToLong(Long::longValue).toArray(),
                Completeness.monitoredFrom(Instant.EPOCH, firstValid.get(e.getKey()), slot),
                end,
                slot);
        completeness.put(
            e.getKey(),
            new CheckReport.ParameterCompleteness(
                effective.intervalOrDefault(e.getKey()), slot, share));
      }
    }
    var summary =
        new CheckReport.Summary(
            judged,
            windows[0] + windows[1] + windows[2] + windows[3],
            windows[0],
            windows[1],
            windows[2]);
    return new CheckReport(
        permits.station(), limits, breaches, warnings, quality, summary, completeness, skipped);
  }

  /** The intervals the station's own valid readings show, parameter by parameter. */
  static SamplingPlan measured(String station, List<Reading> readings) {
    Map<String, List<Long>> times = new LinkedHashMap<>();
    for (Reading r : readings)
      if (r.station().equals(station) && r.status() == DeviceStatus.MEASURING)
        times.computeIfAbsent(r.parameter(), k -> new ArrayList<>()).add(r.timestampMs());
    Map<String, Duration> out = new LinkedHashMap<>();
    times.forEach(
        (p, t) -> {
          Duration d =
              SamplingPlan.measured(t.stream().mapToLong(Long::longValue).sorted().toArray());
          if (d != null) out.put(p, d);
        });
    return new SamplingPlan(out);
  }
}

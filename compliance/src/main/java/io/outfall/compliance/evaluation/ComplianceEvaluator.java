package io.outfall.compliance.evaluation;

import io.outfall.compliance.evaluation.Episode.Kind;
import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.compliance.standards.Limit;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges one station's readings against its permit, as they come: the same code serves the live
 * path and offline replays ({@code outfall check}). Pure and single-threaded: no I/O, no clock of
 * its own — time advances with the readings and with {@link #advanceTo}.
 *
 * <p>Readings must arrive in time order per parameter; one older than its parameter's open window
 * is counted as late and left out of the verdicts. What it finds goes to the {@link Listener}:
 *
 * <ul>
 *   <li>a {@link WindowResult} for every averaging window (hourly by default), from the mean of the
 *       valid readings only: status 00 and physically possible;
 *   <li>breach episodes: opened by a breaching window, resolved only when a window's mean is back
 *       below the limit by the hysteresis margin; windows without valid data change nothing;
 *   <li>early warnings (single readings above the limit, or above the approach share), raised and
 *       cleared after a run of readings (debounce) with the same hysteresis margin;
 *   <li>data-quality episodes: stale station, flat line, impossible values, prolonged fault, low
 *       completeness (a window whose sampling slots too seldom hold a valid reading, counted as
 *       {@link Completeness} defines it for every surface). They are never breaches.
 * </ul>
 *
 * <p>The station's {@link SamplingPlan} says how often each parameter is expected: completeness is
 * counted in its slots, and a station is stale after {@code staleAfter} or twice its longest
 * interval, whichever is longer.
 */
public final class ComplianceEvaluator {

  /** Receives what the evaluator finds. */
  public interface Listener {
    void window(WindowResult result);

    void opened(Episode episode);

    void closed(Episode episode);
  }

  private final PermitSchedule permits;
  private final ExceedanceBands bands;
  private final EvaluationSettings settings;
  private final SamplingPlan plan;
  private final Listener listener;
  private final Map<String, Series> series = new HashMap<>();
  private Instant lastSeen;
  private Episode stale;
  private long late;

  public ComplianceEvaluator(
      PermitSchedule permits,
      ExceedanceBands bands,
      EvaluationSettings settings,
      SamplingPlan plan,
      Listener listener) {
    this.permits = permits;
    this.bands = bands;
    this.settings = settings;
    this.plan = plan;
    this.listener = listener;
  }

  /** How long without any reading before the station is stale. */
  public Duration staleAfter() {
    return plan.staleAfter(settings.staleAfter(), series.keySet());
  }

  /** The time of the latest reading seen, or null before the first. */
  public Instant lastSeen() {
    return lastSeen;
  }

  /** Readings refused for arriving after their window had closed. */
  public long lateReadings() {
    return late;
  }

  public void accept(Reading r) {
    if (!r.station().equals(permits.station())) {
      throw new IllegalArgumentException(
          "reading of " + r.station() + " given to the evaluator of " + permits.station());
    }
    Instant t = Instant.ofEpochMilli(r.timestampMs());
    Series s = series.computeIfAbsent(r.parameter(), p -> new Series(p, windowStart(t)));
    if (t.isBefore(s.windowStart)) {
      late++;
      return;
    }
    closeWindowsBefore(s, t);
    if (stale != null) {
      close(stale, t);
      stale = null;
    }
    if (lastSeen == null || t.isAfter(lastSeen)) lastSeen = t;
    s.readings++;
    s.trackFault(r.status(), t);
    if (r.status() != DeviceStatus.MEASURING) {
      return; // calibration and fault readings never count towards compliance
    }
    s.validTime(r.timestampMs()); // completeness counts what the device says it measured
    if (s.firstValid == null) s.firstValid = t;
    if (!Plausibility.possible(r.parameter(), r.value())) {
      s.impossible(r.value(), t);
      return;
    }
    s.possible(t);
    s.sum += r.value();
    s.valid++;
    s.trackFlatLine(r.value(), t);
    EffectiveLimits limits = permits.at(t);
    EffectiveLimits.Entry entry = limits == null ? null : limits.get(r.parameter());
    if (entry != null) s.trackWarning(entry.limit(), r.value(), t);
  }

  /**
   * Tells the evaluator that time has reached {@code now} (live path): closes windows that ended
   * more than the grace period ago, and notices a station that went quiet.
   */
  public void advanceTo(Instant now) {
    for (Series s : series.values()) {
      closeWindowsBefore(s, now.minus(settings.windowGrace()));
    }
    if (stale == null && lastSeen != null && !now.isBefore(lastSeen.plus(staleAfter()))) {
      stale =
          new Episode(
              Kind.STALE,
              permits.station(),
              null,
              lastSeen,
              null,
              null,
              null,
              "no reading since " + lastSeen);
      listener.opened(stale);
    }
  }

  /** Every episode going on now (to reconcile a store with the evaluator's state). */
  public List<Episode> openEpisodes() {
    List<Episode> out = new ArrayList<>();
    if (stale != null) out.add(stale);
    for (Series s : series.values()) {
      for (Episode e :
          new Episode[] {s.breach, s.warning, s.flat, s.fault, s.impossible, s.incomplete}) {
        if (e != null) out.add(e);
      }
    }
    return out;
  }

  /** End of the data (offline): closes every open window; episodes still going stay open. */
  public void finish() {
    for (Series s : series.values()) {
      s.closeWindow(false);
    }
  }

  /** The end of the averaging window that holds {@code t}. */
  public Instant windowEnd(Instant t) {
    Instant start = windowStart(t);
    return start.plus(averaging(start));
  }

  /** The plan this evaluator counts completeness by. */
  public SamplingPlan plan() {
    return plan;
  }

  private Instant windowStart(Instant t) {
    long size = averaging(t).toMillis();
    // Windows are aligned on whole multiples of their size in Vietnam's local time (UTC+7, no DST).
    long offset = PermitSchedule.LOCAL.getRules().getOffset(t).getTotalSeconds() * 1000L;
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli() + offset, size) * size - offset);
  }

  private Duration averaging(Instant t) {
    EffectiveLimits l = permits.at(t);
    return l == null ? Duration.ofHours(1) : l.permit().averaging();
  }

  private void closeWindowsBefore(Series s, Instant t) {
    while (!t.isBefore(s.windowEnd)) {
      s.closeWindow(true);
    }
  }

  private void open(Episode e) {
    listener.opened(e);
  }

  private void close(Episode e, Instant at) {
    listener.closed(e.closedAt(at));
  }

  /** The state of one parameter of the station. */
  private final class Series {
    final String parameter;
    Instant firstValid; // completeness is counted from its slot

    /** The open window's valid readings' times: {@code validCount} of them. */
    long[] validTimes = new long[16];

    int validCount;
    Instant windowStart;

    /** Where the open window ends: worked out once per window, not per reading. */
    Instant windowEnd;

    double sum;
    int valid;
    int readings;
    Episode breach;
    Episode warning;
    int over;
    int under;
    Instant overSince;
    Episode flat;
    double flatValue; // unchanged since flatSince (no value before flatSince is set)
    Instant flatSince;
    Instant faultSince;
    Episode fault;
    Episode impossible;
    Episode incomplete;

    Series(String parameter, Instant windowStart) {
      this.parameter = parameter;
      this.windowStart = windowStart;
      this.windowEnd = windowStart.plus(averaging(windowStart));
    }

    void validTime(long ms) {
      if (validCount == validTimes.length) validTimes = Arrays.copyOf(validTimes, validCount * 2);
      validTimes[validCount++] = ms;
    }

    void closeWindow(boolean complete) {
      Instant end = windowEnd;
      EffectiveLimits limits = permits.at(windowStart);
      EffectiveLimits.Entry entry = limits == null ? null : limits.get(parameter);
      Double mean = valid > 0 ? sum / valid : null;
      WindowResult.Verdict verdict;
      Double factor = null;
      String band = null;
      Limit limit = entry == null ? null : entry.limit();
      if (entry == null) {
        verdict = WindowResult.Verdict.NO_LIMIT;
      } else if (mean == null) {
        verdict = WindowResult.Verdict.NO_DATA;
      } else if (limit.allows(mean)) {
        verdict = WindowResult.Verdict.COMPLIANT;
      } else {
        verdict = WindowResult.Verdict.BREACH;
        if (limit instanceof Limit.Maximum m) {
          factor = mean / m.max();
          band = bands.forFactor(factor);
        } else {
          band = bands.forPh((Limit.Range) limit, mean);
        }
      }
      if (mean != null && factor == null && limit instanceof Limit.Maximum m)
        factor = mean / m.max();
      // The breach episode opens before its window is reported, so that a store can attach the
      // window's details to the alert it just opened.
      trackBreach(verdict, limit, mean, end);
      listener.window(
          new WindowResult(
              permits.station(),
              parameter,
              windowStart,
              end,
              mean,
              readings,
              valid,
              limit,
              verdict,
              factor,
              band,
              entry == null ? null : entry.derivation()));
      if (complete && entry != null) trackCompleteness(end);
      windowStart = end;
      windowEnd = end.plus(averaging(end));
      sum = 0;
      valid = 0;
      readings = 0;
      validCount = 0;
    }

    void trackBreach(WindowResult.Verdict verdict, Limit limit, Double mean, Instant end) {
      if (verdict == WindowResult.Verdict.BREACH) {
        if (breach == null) {
          breach =
              new Episode(
                  Kind.BREACH, permits.station(), parameter, windowStart, null, mean, limit, null);
          open(breach);
        } else if (worse(limit, mean, breach.peak())) {
          breach = breach.withPeak(mean, Kind.BREACH);
        }
      } else if (verdict == WindowResult.Verdict.COMPLIANT
          && breach != null
          && clearlyBack(limit, mean)) {
        close(breach, windowStart);
        breach = null;
      }
    }

    void trackCompleteness(Instant end) {
      Duration slot = plan.slot(parameter);
      if (Duration.between(windowStart, end).compareTo(slot) < 0) return; // shorter than a slot
      long[] times = Arrays.copyOf(validTimes, validCount);
      Completeness.Share share =
          Completeness.of(
              times, Completeness.monitoredFrom(windowStart, firstValid, slot), end, slot);
      if (!share.judged()) return;
      double value = share.value();
      if (value < settings.minCompleteness()) {
        if (incomplete == null) {
          incomplete =
              new Episode(
                  Kind.LOW_COMPLETENESS,
                  permits.station(),
                  parameter,
                  windowStart,
                  null,
                  value,
                  null,
                  String.format(
                      "%.0f%% of the window's %d-minute slots hold a valid reading (%d of %d)",
                      value * 100, slot.toMinutes(), share.filled(), share.expected()));
          open(incomplete);
        }
      } else if (incomplete != null) {
        close(incomplete, windowStart);
        incomplete = null;
      }
    }

    void trackWarning(Limit limit, double value, Instant t) {
      double ratio = limit.ratio(value);
      boolean range = limit instanceof Limit.Range;
      Kind level =
          ratio > 1
              ? Kind.EXCEEDANCE
              : !range && ratio > settings.approachRatio() ? Kind.APPROACH : null;
      double clearBelow =
          range
              ? 1 - settings.hysteresis()
              : settings.approachRatio() * (1 - settings.hysteresis());
      if (level != null) {
        if (over == 0) overSince = t;
        over++;
        under = 0;
        if (warning == null && over >= settings.debounceReadings()) {
          warning =
              new Episode(level, permits.station(), parameter, overSince, null, value, limit, null);
          open(warning);
        } else if (warning != null && (value > warning.peak() || level == Kind.EXCEEDANCE)) {
          Kind k = warning.kind() == Kind.EXCEEDANCE ? Kind.EXCEEDANCE : level;
          warning = warning.withPeak(Math.max(value, warning.peak()), k);
        }
      } else if (ratio <= clearBelow) {
        under++;
        over = 0;
        if (warning != null && under >= settings.debounceReadings()) {
          close(warning, t);
          warning = null;
        }
      } else {
        // In the hysteresis band: keep the current state, start counting afresh.
        over = 0;
        under = 0;
      }
    }

    void trackFlatLine(double value, Instant t) {
      if (flatSince == null || Math.abs(value - flatValue) > 1e-9 * Math.max(1, Math.abs(value))) {
        if (flat != null) {
          close(flat, t);
          flat = null;
        }
        flatValue = value;
        flatSince = t;
      } else if (flat == null && !t.isBefore(flatSince.plus(settings.flatLineAfter()))) {
        flat =
            new Episode(
                Kind.FLAT_LINE,
                permits.station(),
                parameter,
                flatSince,
                null,
                value,
                null,
                "value " + value + " unchanged since " + flatSince);
        open(flat);
      }
    }

    void trackFault(DeviceStatus status, Instant t) {
      if (status == DeviceStatus.FAULT) {
        if (faultSince == null) faultSince = t;
        if (fault == null && !t.isBefore(faultSince.plus(settings.faultAfter()))) {
          fault =
              new Episode(
                  Kind.PROLONGED_FAULT,
                  permits.station(),
                  parameter,
                  faultSince,
                  null,
                  null,
                  null,
                  "device status 02 since " + faultSince);
          open(fault);
        }
      } else {
        faultSince = null;
        if (fault != null) {
          close(fault, t);
          fault = null;
        }
      }
    }

    void impossible(double value, Instant t) {
      if (impossible == null) {
        impossible =
            new Episode(
                Kind.IMPOSSIBLE_VALUE,
                permits.station(),
                parameter,
                t,
                null,
                value,
                null,
                "physically impossible value "
                    + value
                    + " ("
                    + Plausibility.describe(parameter)
                    + ")");
        open(impossible);
      }
    }

    void possible(Instant t) {
      if (impossible != null) {
        close(impossible, t);
        impossible = null;
      }
    }

    private boolean worse(Limit limit, Double mean, Double peak) {
      if (peak == null) return true;
      return limit.ratio(mean) > limit.ratio(peak);
    }

    private boolean clearlyBack(Limit limit, Double mean) {
      if (limit instanceof Limit.Range r) {
        double margin = settings.hysteresis() * (r.max() - r.min()) / 2;
        return mean >= r.min() + margin && mean <= r.max() - margin;
      }
      return mean <= ((Limit.Maximum) limit).max() * (1 - settings.hysteresis());
    }
  }
}

package io.outfall.compliance.sampling;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Data completeness, one definition for the alerts, the pages, the reports and {@code outfall
 * check}: over a period, the share of the sampling plan's slots that hold at least one valid (00)
 * reading.
 *
 * <ul>
 *   <li>A slot is one interval of the parameter's plan ({@link SamplingPlan#slot}, at least five
 *       minutes), aligned on local midnight in Vietnam (UTC+7, no daylight saving), as averaging
 *       windows are.
 *   <li>The slots counted are those lying wholly inside the period, from the hour of the
 *       parameter's first reading when that is later (a station is not judged for time before it
 *       began reporting) up to the period's end or now (a slot still running is not yet due).
 *   <li>Calibrating (01) and fault (02) readings fill nothing: only valid data counts, as for
 *       compliance.
 * </ul>
 *
 * Pure: the live evaluator feeds it reading times, the pages and reports the five-minute slot masks
 * the writer keeps (a slot's start time stands for its readings: plan slots are whole five-minute
 * steps, so both give the same count).
 */
public final class Completeness {
  private Completeness() {}

  private static final long OFFSET_MS = Duration.ofHours(7).toMillis();

  /** {@code filled} of {@code expected} slots; a period without a due slot is not judged. */
  public record Share(long filled, long expected) {
    public boolean judged() {
      return expected > 0;
    }

    /** filled / expected, or null when nothing was due. */
    public Double value() {
      return expected == 0 ? null : filled / (double) expected;
    }

    public Share plus(Share other) {
      return new Share(filled + other.filled, expected + other.expected);
    }
  }

  public static final Share NONE = new Share(0, 0);

  /** The slot that holds {@code epochMs}. */
  public static long slotIndex(long epochMs, Duration slot) {
    return Math.floorDiv(epochMs + OFFSET_MS, slot.toMillis());
  }

  /** Slots wholly inside [from, to). */
  public static long expected(Instant from, Instant to, Duration slot) {
    return Math.max(0, last(to, slot) - first(from, slot));
  }

  /**
   * Completeness over [from, to) of a parameter whose valid readings were at {@code validTimes}
   * (epoch ms, any order; times outside the period are ignored).
   */
  public static Share of(long[] validTimes, Instant from, Instant to, Duration slot) {
    long first = first(from, slot);
    long last = last(to, slot);
    if (last <= first) return NONE;
    long filled = 0;
    if (ascending(validTimes)) { // as the slot masks give them: a slot counts when it changes
      long previous = Long.MIN_VALUE;
      for (long t : validTimes) {
        long i = slotIndex(t, slot);
        if (i >= first && i < last && i != previous) filled++;
        previous = i;
      }
    } else {
      Set<Long> seen = new HashSet<>();
      for (long t : validTimes) {
        long i = slotIndex(t, slot);
        if (i >= first && i < last && seen.add(i)) filled++;
      }
    }
    return new Share(filled, last - first);
  }

  /**
   * When a parameter's completeness is counted from: the period's start, or the start of the slot
   * of its first valid reading when that is later. A station is not expected to have reported
   * before it first did; nor is an evaluator rebuilt from the last hours held to what came before
   * its replay.
   */
  public static Instant monitoredFrom(Instant periodStart, Instant firstValid, Duration slot) {
    if (firstValid == null) return periodStart;
    long index = slotIndex(firstValid.toEpochMilli(), slot);
    Instant slotStart = Instant.ofEpochMilli(index * slot.toMillis() - OFFSET_MS);
    return slotStart.isAfter(periodStart) ? slotStart : periodStart;
  }

  private static boolean ascending(long[] times) {
    for (int i = 1; i < times.length; i++) if (times[i] < times[i - 1]) return false;
    return true;
  }

  private static long first(Instant from, Duration slot) {
    return Math.floorDiv(from.toEpochMilli() + OFFSET_MS + slot.toMillis() - 1, slot.toMillis());
  }

  private static long last(Instant to, Duration slot) {
    return Math.floorDiv(to.toEpochMilli() + OFFSET_MS, slot.toMillis());
  }
}

package io.outfall.ingest.dashboards;

import java.util.Arrays;
import java.util.List;

/**
 * What a cumulative meter (energy in kWh, chemical dose in kg) says was consumed in each of a
 * series of periods, from its readings as a plant really sends them. Pure: readings, recorded meter
 * changes and rules in, one figure per period out.
 *
 * <ul>
 *   <li>A reading a little below the one before it (at most {@link Rules#jitterFraction} of it) is
 *       jitter, not a reset: it is passed over and the meter is read on from the higher value.
 *   <li>A meter replaced is a recorded {@link Change}: the old meter's last value closes its
 *       account, the new meter counts from its own starting value, which is not consumption.
 *   <li>A counter with a {@link Rules#rollover} that goes down wrapped: it counts up to the
 *       rollover and on from zero.
 *   <li>Any other fall is a reset to zero nobody recorded: the reading after it is what was
 *       consumed since.
 *   <li>An increase between two readings on either side of a period's boundary is shared between
 *       the periods in proportion to the time on each side, so nothing falls between them.
 * </ul>
 */
public final class MeterConsumption {
  private MeterConsumption() {}

  /** A valid reading of the meter, in time order. */
  public record Reading(long tsMs, double value) {}

  /** A meter replaced at {@code atMs}: the old one's last value, the new one's first. */
  public record Change(long atMs, double oldFinal, double newStart) {}

  /**
   * @param jitterFraction a fall of at most this share of the last value is jitter
   * @param rollover the value at which the counter starts again from zero, or null if it does not
   */
  public record Rules(double jitterFraction, Double rollover) {}

  /**
   * Consumption in each period {@code [bounds[i], bounds[i + 1])}; readings and changes in time
   * order. Readings outside the bounds are used for what they say about the edges: give the last
   * one before the first bound and the first one after the last.
   */
  public static double[] perPeriod(
      List<Reading> readings, List<Change> changes, Rules rules, long[] bounds) {
    return perPeriod(readings, changes, rules, bounds, null);
  }

  /**
   * As {@link #perPeriod(List, List, Rules, long[])}, and where the reading stood at each period's
   * end: {@code ends[i]} is the reading the next increase after {@code bounds[i + 1]} is counted
   * from (a jitter dip passed over leaves the one before it; a replacement, the new meter's start),
   * or null before any reading. Giving {@code ends[i]} as the first reading of a later call that
   * starts at {@code bounds[i + 1]} counts the following periods exactly as one call would.
   */
  public static double[] perPeriod(
      List<Reading> readings, List<Change> changes, Rules rules, long[] bounds, Reading[] ends) {
    double[] out = new double[Math.max(0, bounds.length - 1)];
    if (readings.isEmpty()) return out;
    Cursor at = new Cursor(bounds, ends);
    double ref = readings.get(0).value();
    long refTs = readings.get(0).tsMs();
    int nextChange = 0;
    while (nextChange < changes.size() && changes.get(nextChange).atMs() <= refTs) nextChange++;
    for (int i = 1; i < readings.size(); i++) {
      Reading r = readings.get(i);
      while (nextChange < changes.size() && changes.get(nextChange).atMs() <= r.tsMs()) {
        Change c = changes.get(nextChange++);
        at.endsBefore(c.atMs(), refTs, ref);
        share(out, bounds, refTs, c.atMs(), Math.max(0, c.oldFinal() - ref));
        ref = c.newStart();
        refTs = c.atMs();
      }
      at.endsBefore(r.tsMs(), refTs, ref);
      double delta = r.value() - ref;
      double increase;
      if (delta >= 0) increase = delta;
      else if (-delta <= rules.jitterFraction() * Math.abs(ref)) continue; // jitter: read on
      else if (rules.rollover() != null) increase = rules.rollover() - ref + r.value();
      else increase = r.value(); // reset to zero
      share(out, bounds, refTs, r.tsMs(), increase);
      ref = r.value();
      refTs = r.tsMs();
    }
    at.endsBefore(Long.MAX_VALUE, refTs, ref);
    return out;
  }

  /** Notes where the reading stood at each period end passed (when asked to). */
  private static final class Cursor {
    private final long[] bounds;
    private final Reading[] ends;
    private int next = 1; // the next bound that ends a period

    Cursor(long[] bounds, Reading[] ends) {
      this.bounds = bounds;
      this.ends = ends;
    }

    /** Every period end at or before {@code t}: the reading stood at (refTs, ref). */
    void endsBefore(long t, long refTs, double ref) {
      if (ends == null) return;
      for (; next < bounds.length && bounds[next] <= t; next++)
        ends[next - 1] = refTs < bounds[next] ? new Reading(refTs, ref) : null;
    }
  }

  /** Adds {@code amount}, spread evenly over {@code [from, to]}, to the periods it overlaps. */
  private static void share(double[] out, long[] bounds, long from, long to, double amount) {
    if (amount == 0) return;
    if (to <= from) {
      int p = period(bounds, to);
      if (p >= 0) out[p] += amount;
      return;
    }
    // from the period that holds the start (a year of days and readings every 10 s: no scan)
    int p = from < bounds[0] ? 0 : period(bounds, from);
    if (p < 0) return; // starts after the last period
    for (; p < out.length && bounds[p] < to; p++) {
      long overlap = Math.min(to, bounds[p + 1]) - Math.max(from, bounds[p]);
      if (overlap > 0) out[p] += amount * overlap / (double) (to - from);
    }
  }

  /** The period {@code [bounds[p], bounds[p + 1])} that holds {@code ts}, or -1 if none. */
  static int period(long[] bounds, long ts) {
    int i = Arrays.binarySearch(bounds, ts);
    int p = i >= 0 ? i : -i - 2;
    return p >= 0 && p < bounds.length - 1 ? p : -1;
  }
}

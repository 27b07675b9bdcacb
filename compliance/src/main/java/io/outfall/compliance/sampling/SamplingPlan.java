package io.outfall.compliance.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How often a station is expected to report each parameter: the interval by parameter code, with
 * {@code "*"} for every parameter not named. Where a station's plan comes from, first match wins:
 * its registry entry, its permit, the intervals measured from its own recent readings ({@link
 * #measured}), and last the 5-minute transmission period.
 *
 * <p>Completeness is counted in slots of the interval ({@link Completeness}); an interval shorter
 * than five minutes is counted in five-minute slots, the period at which the department receives
 * files, so a station is never held to more than the regulator counts. An interval of five minutes
 * or more must be a whole number of five-minute steps that divides a day (5, 10, 15, 20, 30 min, 1,
 * 2, 3, 4, 6, 8, 12, 24 h, …), so that slots line up with days and with the stored five-minute
 * masks.
 */
public record SamplingPlan(Map<String, Duration> intervals) {
  /** The finest slot completeness is counted in: the department's transmission period. */
  public static final Duration MIN_SLOT = Duration.ofMinutes(5);

  /** What a station reporting nothing yet, with no plan, is held to. */
  public static final Duration DEFAULT = MIN_SLOT;

  public static final SamplingPlan NONE = new SamplingPlan(Map.of());

  public SamplingPlan {
    intervals = Collections.unmodifiableMap(new LinkedHashMap<>(intervals));
  }

  /** The interval this plan gives {@code parameter}, or null when it says nothing of it. */
  public Duration interval(String parameter) {
    Duration d = intervals.get(parameter);
    return d != null ? d : intervals.get("*");
  }

  /** This plan, and where it says nothing of a parameter, {@code fallback}'s. */
  public SamplingPlan orElse(SamplingPlan fallback) {
    if (intervals.containsKey("*")) return this; // it speaks of every parameter
    Map<String, Duration> merged = new LinkedHashMap<>(fallback.intervals);
    merged.putAll(intervals);
    return new SamplingPlan(merged);
  }

  /** The interval of {@code parameter}, never null: the plan's, or the default. */
  public Duration intervalOrDefault(String parameter) {
    Duration d = interval(parameter);
    return d == null ? DEFAULT : d;
  }

  /** The slot completeness of {@code parameter} is counted in (at least {@link #MIN_SLOT}). */
  public Duration slot(String parameter) {
    return slotOf(intervalOrDefault(parameter));
  }

  public static Duration slotOf(Duration interval) {
    return interval.compareTo(MIN_SLOT) < 0 ? MIN_SLOT : interval;
  }

  /** The longest interval this plan gives any of {@code parameters} (the default when none). */
  public Duration longest(Iterable<String> parameters) {
    Duration max = null;
    for (String p : parameters) {
      Duration d = intervalOrDefault(p);
      if (max == null || d.compareTo(max) > 0) max = d;
    }
    return max == null ? DEFAULT : max;
  }

  /**
   * How long a station reporting {@code parameters} may be silent before it counts as not
   * reporting: twice the longest interval this plan gives them, never less than {@code floor} (the
   * setting). The alerts' staleness and the overview's "no data" both use it.
   */
  public Duration staleAfter(Duration floor, Iterable<String> parameters) {
    Duration twice = longest(parameters).multipliedBy(2);
    return twice.compareTo(floor) > 0 ? twice : floor;
  }

  /**
   * A plan as written in a permit or the registry: {@code 5m} (every parameter), or a mapping
   * {@code {"*": 5m, COD: 15m}}; null or absent: no plan. Errors name {@code where}.
   */
  public static SamplingPlan parse(JsonNode n, String where) {
    if (n == null || n.isNull() || n.isMissingNode()) return NONE;
    Map<String, Duration> out = new LinkedHashMap<>();
    if (n.isValueNode()) {
      out.put("*", interval(n.asText(), where));
    } else if (n.isObject()) {
      n.fields()
          .forEachRemaining(
              e -> out.put(e.getKey(), interval(e.getValue().asText(), where + "." + e.getKey())));
    } else {
      throw new IllegalArgumentException(where + ": an interval (5m) or {parameter: interval}");
    }
    return new SamplingPlan(out);
  }

  /**
   * An interval: {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT15M}). Below five
   * minutes any whole number of seconds; from five minutes, whole five-minute steps dividing a day.
   */
  public static Duration interval(String text, String where) {
    String s = text == null ? "" : text.trim();
    Duration d;
    try {
      d =
          switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            case 'm' -> Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            case 'h' -> Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
            default -> Duration.parse(s);
          };
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          where + ": an interval such as 5m, 15m, 1h or PT10M, got '" + text + "'");
    }
    if (d.isNegative() || d.isZero() || d.toMillis() % 1000 != 0)
      throw new IllegalArgumentException(
          where + ": a positive whole number of seconds, got '" + text + "'");
    if (d.compareTo(MIN_SLOT) >= 0
        && (d.toMillis() % MIN_SLOT.toMillis() != 0
            || Duration.ofDays(1).toMillis() % d.toMillis() != 0))
      throw new IllegalArgumentException(
          where
              + ": from 5 minutes up an interval must be whole 5-minute steps that divide a day"
              + " (5m, 10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h…), got '"
              + text
              + "'");
    return d;
  }

  /**
   * A plan written on one line, as the command line, the registry and its CSV take it: {@code 5m}
   * (every parameter) or {@code COD=15m,*=5m}; blank: no plan.
   */
  public static SamplingPlan parseText(String text, String where) {
    if (text == null || text.isBlank()) return NONE;
    Map<String, Duration> out = new LinkedHashMap<>();
    for (String part : text.split("[,;]")) {
      String[] kv = part.split("=", 2);
      if (kv.length == 1) out.put("*", interval(kv[0], where));
      else out.put(kv[0].trim(), interval(kv[1], where + " " + kv[0].trim()));
    }
    return new SamplingPlan(out);
  }

  /** This plan on one line, as {@link #parseText} reads it; empty for no plan. */
  public String toText() {
    List<String> parts = new ArrayList<>();
    intervals.forEach((k, v) -> parts.add(k.equals("*") ? text(v) : k + "=" + text(v)));
    return String.join(",", parts);
  }

  private static String text(Duration d) {
    if (d.toSeconds() % 3600 == 0) return d.toHours() + "h";
    if (d.toSeconds() % 60 == 0) return d.toMinutes() + "m";
    return d.toSeconds() + "s";
  }

  /** The intervals that may be planned from five minutes up, shortest first. */
  static final List<Duration> STEPS = steps();

  private static List<Duration> steps() {
    List<Duration> out = new ArrayList<>();
    for (long m = 5; m <= 24 * 60; m += 5) if ((24 * 60) % m == 0) out.add(Duration.ofMinutes(m));
    return List.copyOf(out);
  }

  /**
   * The interval a series of valid readings' times (epoch ms, ascending) shows: the median gap
   * between consecutive ones, brought to the plannable step it is closest to from below (a
   * 14.5-minute analyzer cycle is a 15-minute plan; jitter does not make a 5-minute station a
   * 10-minute one). Null with fewer than 12 readings: too few to tell.
   */
  public static Duration measured(long[] times) {
    if (times.length < 12) return null;
    long[] gaps = new long[times.length - 1];
    int n = 0;
    for (int i = 1; i < times.length; i++)
      if (times[i] > times[i - 1]) gaps[n++] = times[i] - times[i - 1];
    if (n < 11) return null;
    long[] sorted = Arrays.copyOf(gaps, n);
    Arrays.sort(sorted);
    long median = sorted[n / 2];
    if (median < MIN_SLOT.toMillis())
      return Duration.ofSeconds(Math.max(1, Math.round(median / 1000.0)));
    for (Duration step : STEPS) if (step.toMillis() >= median * 0.9) return step;
    return STEPS.get(STEPS.size() - 1);
  }
}

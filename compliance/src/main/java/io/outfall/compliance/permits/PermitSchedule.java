package io.outfall.compliance.permits;

import io.outfall.compliance.standards.StandardsCatalog;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * A station's permits over time, resolved against the catalog up front (so that a bad permit fails
 * at load, not at the first reading). Dates are local days in Vietnam.
 */
public final class PermitSchedule {
  public static final ZoneId LOCAL = ZoneId.of("Asia/Ho_Chi_Minh");
  private final List<EffectiveLimits> versions;
  private final List<Permit> permits;

  /**
   * The last answer of {@link #at} and the local day it holds for, as epoch milliseconds [from,
   * to). The evaluator asks for every reading, in time order, and working out a local day from an
   * instant was a tenth of the writer's time in judging (JFR, docs/performance.md). Immutable and
   * replaced whole, so a race only costs a second working out.
   */
  private record Answer(long fromMs, long toMs, EffectiveLimits limits) {}

  private Answer last;

  public PermitSchedule(List<Permit> permits, StandardsCatalog catalog) {
    if (permits.isEmpty()) throw new IllegalArgumentException("no permit");
    List<EffectiveLimits> v = new ArrayList<>();
    for (Permit p : permits) v.add(EffectiveLimits.resolve(p, catalog));
    this.versions = List.copyOf(v);
    this.permits = versions.stream().map(EffectiveLimits::permit).toList();
  }

  public String station() {
    return versions.get(0).permit().station();
  }

  public List<EffectiveLimits> versions() {
    return versions;
  }

  /** The limits in force at {@code t}, or null when no permit covers it. */
  public EffectiveLimits at(Instant t) {
    long ms = t.toEpochMilli();
    Answer a = last;
    if (a == null || ms < a.fromMs || ms >= a.toMs) {
      LocalDate day = t.atZone(LOCAL).toLocalDate();
      int i = inForce(permits, day);
      a =
          new Answer(
              day.atStartOfDay(LOCAL).toInstant().toEpochMilli(),
              day.plusDays(1).atStartOfDay(LOCAL).toInstant().toEpochMilli(),
              i < 0 ? null : versions.get(i));
      last = a;
    }
    return a.limits;
  }

  /**
   * Which of a permit's versions is in force at {@code t} (local days; a later version wins where
   * two overlap), or -1 when none covers it.
   */
  public static int inForce(List<Permit> permits, Instant t) {
    return inForce(permits, t.atZone(LOCAL).toLocalDate());
  }

  private static int inForce(List<Permit> permits, LocalDate day) {
    int found = -1;
    for (int i = 0; i < permits.size(); i++) {
      Permit p = permits.get(i);
      boolean started = p.validFrom() == null || !day.isBefore(p.validFrom());
      boolean ended = p.validTo() != null && !day.isBefore(p.validTo());
      if (started && !ended) found = i;
    }
    return found;
  }
}

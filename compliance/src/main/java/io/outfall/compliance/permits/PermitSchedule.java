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

  public PermitSchedule(List<Permit> permits, StandardsCatalog catalog) {
    if (permits.isEmpty()) throw new IllegalArgumentException("no permit");
    List<EffectiveLimits> v = new ArrayList<>();
    for (Permit p : permits) v.add(EffectiveLimits.resolve(p, catalog));
    this.versions = List.copyOf(v);
  }

  public String station() {
    return versions.get(0).permit().station();
  }

  public List<EffectiveLimits> versions() {
    return versions;
  }

  /** The limits in force at {@code t}, or null when no permit covers it. */
  public EffectiveLimits at(Instant t) {
    int i = inForce(versions.stream().map(EffectiveLimits::permit).toList(), t);
    return i < 0 ? null : versions.get(i);
  }

  /**
   * Which of a permit's versions is in force at {@code t} (local days; a later version wins where
   * two overlap), or -1 when none covers it.
   */
  public static int inForce(List<Permit> permits, Instant t) {
    LocalDate day = t.atZone(LOCAL).toLocalDate();
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

package io.outfall.ingest.donre;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Transmission intervals, aligned on the plant's wall clock: with 300 s, [10:00, 10:05), [10:05,
 * 10:10) local time, whatever the zone's offset. Pure.
 */
public final class Intervals {
  private final Duration length;
  private final ZoneId zone;

  /**
   * @param length divides a day
   */
  public Intervals(Duration length, ZoneId zone) {
    this.length = length;
    this.zone = zone;
  }

  public Duration length() {
    return length;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The start of the interval {@code t} falls in. */
  public Instant startOf(Instant t) {
    ZonedDateTime local = t.atZone(zone);
    ZonedDateTime midnight = local.truncatedTo(ChronoUnit.DAYS);
    long into = Duration.between(midnight, local).getSeconds();
    return midnight.plusSeconds(into - Math.floorMod(into, length.getSeconds())).toInstant();
  }

  /** The end of the interval starting at {@code start}. */
  public Instant endOf(Instant start) {
    return start.plus(length);
  }

  /** True when {@code t} is an interval boundary. */
  public boolean isBoundary(Instant t) {
    return startOf(t).equals(t);
  }

  /** The plant's wall-clock time of {@code t}, to the second (what the files carry). */
  public LocalDateTime local(Instant t) {
    return LocalDateTime.ofInstant(t.truncatedTo(ChronoUnit.SECONDS), zone);
  }

  /** The instant of a wall-clock time the files carry. */
  public Instant instant(LocalDateTime local) {
    return local.atZone(zone).toInstant();
  }
}

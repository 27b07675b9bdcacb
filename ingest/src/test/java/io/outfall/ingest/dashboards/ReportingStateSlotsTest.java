package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.sampling.Completeness;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The overview's in-memory slots count what {@link Completeness} counts over the slot masks: the
 * same filled and expected slots for plans of 5, 15 and 60 minutes, over periods that start and end
 * anywhere, with the series starting at its first valid reading.
 */
class ReportingStateSlotsTest {
  private static final long FIVE_MINUTES = Duration.ofMinutes(5).toMillis();

  @Test
  void countsWhatCompletenessCountsOverTheSameSlots() {
    Random random = new Random(11);
    Instant now = Instant.parse("2026-11-30T17:23:41Z");
    Instant month = now.minus(Duration.ofDays(30));
    Instant seriesFrom = month.truncatedTo(ChronoUnit.HOURS);
    for (int round = 0; round < 200; round++) {
      ReportingState.Slots slots = new ReportingState.Slots();
      TreeSet<Long> starts = new TreeSet<>();
      // a station that began some time in the month, with gaps of random length
      long t = seriesFrom.toEpochMilli() + random.nextInt(20 * 24 * 60) * 60_000L;
      while (t < now.toEpochMilli()) {
        slots.setValid(t);
        starts.add(Math.floorDiv(t, FIVE_MINUTES) * FIVE_MINUTES);
        t += random.nextInt(10) < 8 ? 60_000L : random.nextInt(6 * 60) * 60_000L;
      }
      Instant from = random.nextBoolean() ? month : now.minus(Duration.ofHours(24));
      for (long minutes : new long[] {5, 15, 60}) {
        Duration slot = Duration.ofMinutes(minutes);
        long[] sorted = starts.stream().mapToLong(Long::longValue).toArray();
        Instant first = sorted.length == 0 ? null : Instant.ofEpochMilli(sorted[0]);
        Completeness.Share expected =
            Completeness.of(sorted, Completeness.monitoredFrom(from, first, slot), now, slot);
        assertThat(slots.share(slots.firstValid(seriesFrom, now), from, now, slot))
            .as("round %d, %d-minute slots", round, minutes)
            .isEqualTo(expected);
      }
    }
  }

  /**
   * Why the overview may keep a station's shares for five minutes: for any two instants between the
   * same two five-minute boundaries (the boundary itself excluded), the shares over the last 24
   * hours and 30 days are equal, for plans of 5, 15 and 60 minutes.
   */
  @Test
  void sharesAreTheSameAnywhereBetweenTwoFiveMinuteBoundaries() {
    Random random = new Random(12);
    Instant base = Instant.parse("2026-11-30T17:20:00Z");
    for (int round = 0; round < 200; round++) {
      ReportingState.Slots slots = new ReportingState.Slots();
      long t = base.minus(Duration.ofDays(31)).toEpochMilli() + random.nextInt(20 * 1440) * 60_000L;
      while (t < base.toEpochMilli() + 3_600_000L) {
        slots.setValid(t);
        t += random.nextInt(10) < 8 ? 60_000L : random.nextInt(6 * 60) * 60_000L;
      }
      long boundary = base.toEpochMilli() + random.nextInt(12) * FIVE_MINUTES;
      Instant a = Instant.ofEpochMilli(boundary + 1 + random.nextInt((int) FIVE_MINUTES - 1));
      Instant b = Instant.ofEpochMilli(boundary + 1 + random.nextInt((int) FIVE_MINUTES - 1));
      for (long minutes : new long[] {5, 15, 60}) {
        Duration slot = Duration.ofMinutes(minutes);
        for (Duration period : new Duration[] {Duration.ofHours(24), Duration.ofDays(30)})
          assertThat(share(slots, b, period, slot))
              .as("round %d, %d-minute slots, %s at %s and %s", round, minutes, period, a, b)
              .isEqualTo(share(slots, a, period, slot));
      }
    }
  }

  private static Completeness.Share share(
      ReportingState.Slots slots, Instant to, Duration period, Duration slot) {
    Instant seriesFrom = to.minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.HOURS);
    return slots.share(slots.firstValid(seriesFrom, to), to.minus(period), to, slot);
  }
}

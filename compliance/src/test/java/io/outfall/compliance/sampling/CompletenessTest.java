package io.outfall.compliance.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CompletenessTest {
  // 08:00 in Hanoi
  static final Instant H = Instant.parse("2026-11-24T01:00:00Z");
  static final Duration FIVE = Duration.ofMinutes(5);

  static long[] every(Duration step, Instant from, int count) {
    return LongStream.range(0, count).map(i -> from.toEpochMilli() + i * step.toMillis()).toArray();
  }

  @Test
  void anHourOfFiveMinuteReadingsFillsItsTwelveSlots() {
    var share = Completeness.of(every(FIVE, H, 12), H, H.plusSeconds(3600), FIVE);
    assertThat(share).isEqualTo(new Completeness.Share(12, 12));
    assertThat(share.value()).isEqualTo(1.0);
  }

  @Test
  void twoReadingsInOneSlotFillItOnce() {
    // a minute station over five minutes: one slot, however many readings
    var share = Completeness.of(every(Duration.ofMinutes(1), H, 5), H, H.plus(FIVE), FIVE);
    assertThat(share).isEqualTo(new Completeness.Share(1, 1));
  }

  @Test
  void aSlotStillRunningIsNotYetDue() {
    // 08:00 to 08:12: slots 08:00 and 08:05 are due, 08:10 is not over
    var share = Completeness.of(every(FIVE, H, 3), H, H.plusSeconds(12 * 60), FIVE);
    assertThat(share).isEqualTo(new Completeness.Share(2, 2));
  }

  @Test
  void readingsOutsideThePeriodFillNothing() {
    var share =
        Completeness.of(every(FIVE, H.minusSeconds(3600), 36), H, H.plusSeconds(3600), FIVE);
    assertThat(share).isEqualTo(new Completeness.Share(12, 12));
  }

  @Test
  void slotsAreAlignedOnLocalMidnight() {
    // a 3-hour plan: slots start at 00:00, 03:00, 06:00, 09:00 local (17:00, 20:00, 23:00, 02:00
    // UTC)
    Duration three = Duration.ofHours(3);
    Instant nineLocal = Instant.parse("2026-11-24T02:00:00Z");
    assertThat(Completeness.slotIndex(nineLocal.toEpochMilli(), three))
        .isEqualTo(Completeness.slotIndex(nineLocal.plus(three).toEpochMilli() - 1, three));
    // 08:00 to 17:00 local holds the whole slots 09–12, 12–15: 2 due
    assertThat(Completeness.expected(H, H.plusSeconds(9 * 3600), three)).isEqualTo(2);
  }

  @Test
  void aStationIsCountedFromTheSlotOfItsFirstValidReading() {
    Instant first = H.plusSeconds(30 * 60 + 17); // 08:30:17
    // in 5-minute slots from 08:30; in 15-minute slots from 08:30; in hour slots from 08:00
    assertThat(Completeness.monitoredFrom(H.minusSeconds(86400), first, FIVE))
        .isEqualTo(H.plusSeconds(30 * 60));
    assertThat(Completeness.monitoredFrom(H.minusSeconds(86400), first, Duration.ofMinutes(15)))
        .isEqualTo(H.plusSeconds(30 * 60));
    assertThat(Completeness.monitoredFrom(H.minusSeconds(86400), first, Duration.ofHours(1)))
        .isEqualTo(H);
    // a period that starts later starts where it starts
    assertThat(Completeness.monitoredFrom(H.plusSeconds(7200), first, FIVE))
        .isEqualTo(H.plusSeconds(7200));
    // no valid reading at all: the whole period is due
    assertThat(Completeness.monitoredFrom(H, null, FIVE)).isEqualTo(H);
  }

  @Test
  void aPeriodWithoutADueSlotIsNotJudged() {
    var share = Completeness.of(new long[0], H, H.plusSeconds(60), FIVE);
    assertThat(share.judged()).isFalse();
    assertThat(share.value()).isNull();
  }
}

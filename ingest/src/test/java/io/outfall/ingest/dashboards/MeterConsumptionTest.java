package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.outfall.ingest.dashboards.MeterConsumption.Change;
import io.outfall.ingest.dashboards.MeterConsumption.Reading;
import io.outfall.ingest.dashboards.MeterConsumption.Rules;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeterConsumptionTest {
  static final long H = 3_600_000L;
  static final Rules PLAIN = new Rules(0.01, null);

  /** Two periods of ten hours: [0, 10 h) and [10 h, 20 h). */
  static final long[] TWO = {0, 10 * H, 20 * H};

  static Reading at(double hours, double value) {
    return new Reading((long) (hours * H), value);
  }

  @Test
  void increasesBetweenReadingsAddUpInTheirPeriod() {
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(1, 1000), at(2, 1010), at(3, 1025)), List.of(), PLAIN, TWO);
    // 10 + 15
    assertThat(kwh).containsExactly(25, 0);
  }

  @Test
  void aSmallStepBackIsJitterNotAReset() {
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(1, 1000), at(2, 999.5), at(3, 1002)), List.of(), PLAIN, TWO);
    // 999.5 is 0.05 % below 1000 (within 1 %): passed over; 1002 - 1000 = 2, not 1002 - 999.5
    assertThat(kwh).containsExactly(2, 0);
  }

  @Test
  void aFallWithNothingRecordedIsAResetToZero() {
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(1, 1000), at(2, 1010), at(3, 4)), List.of(), PLAIN, TWO);
    // 10, then the meter started again from 0 and reads 4
    assertThat(kwh).containsExactly(14, 0);
  }

  @Test
  void aReplacedMetersStartingValueIsNotConsumption() {
    // the old meter read 1010 at 2 h and 1012 when it came out at 2.5 h; the new one started at
    // 500 and reads 503 at 3 h
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(1, 1000), at(2, 1010), at(3, 503)),
            List.of(new Change((long) (2.5 * H), 1012, 500)),
            PLAIN,
            TWO);
    // 10 + (1012 - 1010) + (503 - 500) = 15; without the change it would have been a reset: 513
    assertThat(kwh).containsExactly(15, 0);
  }

  @Test
  void aCounterThatWrapsCountsAcrossTheWrap() {
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(1, 99_990), at(2, 99_998), at(3, 5)),
            List.of(),
            new Rules(0.01, 100_000.0),
            TWO);
    // 8, then up to 100,000 (2 more) and on to 5: 8 + 2 + 5 = 15
    assertThat(kwh).containsExactly(15, 0);
  }

  @Test
  void anIncreaseAcrossABoundaryIsSharedByTime() {
    double[] kwh =
        MeterConsumption.perPeriod(List.of(at(9, 1000), at(12, 1030)), List.of(), PLAIN, TWO);
    // 30 over 3 hours, one before the boundary at 10 h and two after: 10 and 20
    assertThat(kwh[0]).isCloseTo(10, within(1e-9));
    assertThat(kwh[1]).isCloseTo(20, within(1e-9));
  }

  @Test
  void readingsOutsideThePeriodsGiveTheirEdgesTheirShare() {
    double[] kwh =
        MeterConsumption.perPeriod(
            List.of(at(-1, 900), at(1, 920), at(19, 1100), at(21, 1120)), List.of(), PLAIN, TWO);
    // -1 h to 1 h: 20, half inside: 10; 1 h to 19 h: 180 over 18 h, 9 h in each: 90 and 90;
    // 19 h to 21 h: 20, half inside: 10
    assertThat(kwh[0]).isCloseTo(100, within(1e-9));
    assertThat(kwh[1]).isCloseTo(100, within(1e-9));
  }

  /**
   * A kept day's end state lets a later call start at its end and count the next days exactly as
   * one call over all of them: here a jitter dip just before the boundary (passed over, so the next
   * increase counts from 1000, not 999.5) and a replacement in the second period.
   */
  @Test
  void countingResumedFromAPeriodsEndStateGivesTheSameFigures() {
    long[] three = {0, 10 * H, 20 * H, 30 * H};
    List<Reading> all = List.of(at(1, 1000), at(9.5, 999.5), at(11, 1004), at(15, 1010), at(25, 7));
    List<Change> changes = List.of(new Change(20 * H, 1012, 2));
    Reading[] ends = new Reading[3];
    double[] once = MeterConsumption.perPeriod(all, changes, PLAIN, three, ends);
    // the dip is passed over: the state at 10 h is the reading of 1000 at 1 h
    assertThat(ends[0]).isEqualTo(at(1, 1000));
    // resumed at 10 h from that state, with the readings from 10 h on
    long[] rest = {10 * H, 20 * H, 30 * H};
    List<Reading> after = List.of(ends[0], at(11, 1004), at(15, 1010), at(25, 7));
    double[] resumed = MeterConsumption.perPeriod(after, changes, PLAIN, rest);
    assertThat(resumed[0]).isCloseTo(once[1], within(1e-9));
    assertThat(resumed[1]).isCloseTo(once[2], within(1e-9));
    // and what a call starting from the last reading before 10 h (the dip) would have counted:
    // 4.5 more, as if the meter had fallen back to 999.5
    double[] fromDip =
        MeterConsumption.perPeriod(
            List.of(at(9.5, 999.5), at(11, 1004), at(15, 1010), at(25, 7)), changes, PLAIN, rest);
    assertThat(fromDip[0] - resumed[0]).isGreaterThan(0.4);
  }

  @Test
  void theStateAtAnEndBeforeAnyReadingIsNone() {
    Reading[] ends = new Reading[2];
    MeterConsumption.perPeriod(List.of(at(12, 5), at(13, 6)), List.of(), PLAIN, TWO, ends);
    assertThat(ends[0]).isNull();
    assertThat(ends[1]).isEqualTo(at(13, 6));
  }

  @Test
  void noReadingsNoConsumption() {
    assertThat(MeterConsumption.perPeriod(List.of(), List.of(), PLAIN, TWO)).containsExactly(0, 0);
  }
}

package io.outfall.compliance.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.evaluation.Episode.Kind;
import io.outfall.compliance.evaluation.WindowResult.Verdict;
import io.outfall.compliance.permits.PermitFile;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ComplianceEvaluatorTest {
  // 08:00 in Hanoi. COD limit: column B, Kq = Kf = 1 → 150 mg/L; pH 5.5–9.
  static final Instant T0 = Instant.parse("2026-11-24T01:00:00Z");
  static final String PERMIT =
      "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD, pH, TSS]\n";

  final List<WindowResult> windows = new ArrayList<>();
  final List<Episode> opened = new ArrayList<>();
  final List<Episode> closed = new ArrayList<>();
  final ComplianceEvaluator evaluator = evaluator(PERMIT);

  ComplianceEvaluator evaluator(String yaml) {
    return evaluator(yaml, SamplingPlan.NONE);
  }

  ComplianceEvaluator evaluator(String yaml, SamplingPlan plan) {
    try {
      var schedule = new PermitSchedule(PermitFile.parse(yaml, "test"), StandardsCatalog.shipped());
      return new ComplianceEvaluator(
          schedule,
          ExceedanceBands.shipped(),
          EvaluationSettings.defaults(),
          plan,
          new ComplianceEvaluator.Listener() {
            @Override
            public void window(WindowResult r) {
              windows.add(r);
            }

            @Override
            public void opened(Episode e) {
              opened.add(e);
            }

            @Override
            public void closed(Episode e) {
              closed.add(e);
            }
          });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One reading a minute for {@code minutes} from {@code from}, all with the same value and status.
   */
  void feed(String parameter, Instant from, int minutes, double value, DeviceStatus status) {
    for (int m = 0; m < minutes; m++) {
      evaluator.accept(
          new Reading(
              "S",
              parameter,
              from.plus(Duration.ofMinutes(m)).toEpochMilli(),
              value,
              "mg/L",
              status));
    }
  }

  void feed(String parameter, Instant from, double... values) {
    for (int i = 0; i < values.length; i++) {
      evaluator.accept(
          new Reading(
              "S",
              parameter,
              from.plus(Duration.ofMinutes(i)).toEpochMilli(),
              values[i],
              "mg/L",
              DeviceStatus.MEASURING));
    }
  }

  List<WindowResult> windows(String parameter) {
    return windows.stream().filter(w -> w.parameter().equals(parameter)).toList();
  }

  List<Episode> of(List<Episode> list, Kind kind) {
    return list.stream().filter(e -> e.kind() == kind).toList();
  }

  @Test
  void hourlyMeanOfValidReadingsDecidesABreach() {
    feed("COD", T0, 30, 140, DeviceStatus.MEASURING);
    feed("COD", T0.plusSeconds(30 * 60), 30, 200, DeviceStatus.MEASURING); // mean 170 > 150
    evaluator.finish();
    WindowResult w = windows("COD").get(0);
    assertThat(w.start()).isEqualTo(T0);
    assertThat(w.end()).isEqualTo(T0.plusSeconds(3600));
    assertThat(w.mean()).isCloseTo(170, Offset.offset(1e-9));
    assertThat(w.verdict()).isEqualTo(Verdict.BREACH);
    assertThat(w.factor()).isCloseTo(170.0 / 150, Offset.offset(1e-9));
    assertThat(w.band()).isEqualTo("2"); // 1.13: from 1.1 to below 1.5
    assertThat(of(opened, Kind.BREACH)).hasSize(1);
  }

  @Test
  void singleHighReadingsAreWarningsNotBreaches() {
    double[] values = new double[60];
    Arrays.fill(values, 100);
    values[10] = values[11] = values[12] = 400; // three readings far above the limit
    feed("COD", T0, values);
    evaluator.finish();
    assertThat(windows("COD").get(0).verdict()).isEqualTo(Verdict.COMPLIANT); // mean 115
    assertThat(of(opened, Kind.EXCEEDANCE)).hasSize(1);
    assertThat(of(opened, Kind.BREACH)).isEmpty();
  }

  @Test
  void calibrationAndFaultReadingsNeverMakeABreach() {
    feed("COD", T0, 50, 900, DeviceStatus.CALIBRATING);
    feed("COD", T0.plusSeconds(50 * 60), 10, 100, DeviceStatus.MEASURING);
    feed("COD", T0.plusSeconds(3600), 60, 999, DeviceStatus.FAULT);
    evaluator.finish();
    List<WindowResult> w = windows("COD");
    assertThat(w.get(0).verdict()).isEqualTo(Verdict.COMPLIANT);
    assertThat(w.get(0).mean()).isEqualTo(100);
    assertThat(w.get(0).readings()).isEqualTo(60);
    assertThat(w.get(0).valid()).isEqualTo(10);
    assertThat(w.get(1).verdict()).isEqualTo(Verdict.NO_DATA);
    assertThat(of(opened, Kind.BREACH)).isEmpty();
    assertThat(of(opened, Kind.EXCEEDANCE)).isEmpty();
  }

  @Test
  void windowsAreLocalClockHours() {
    Instant t = Instant.parse("2026-11-24T01:37:00Z"); // 08:37 in Hanoi
    feed("COD", t, 100, 100, 100);
    evaluator.finish();
    assertThat(windows("COD").get(0).start()).isEqualTo(Instant.parse("2026-11-24T01:00:00Z"));
  }

  @Test
  void phIsJudgedAgainstItsRangeWithItsOwnBands() {
    feed("pH", T0, 60, 4.5, DeviceStatus.MEASURING);
    feed("pH", T0.plusSeconds(3600), 60, 11, DeviceStatus.MEASURING);
    evaluator.finish();
    assertThat(windows("pH")).extracting(WindowResult::band).containsExactly("ph-1", "ph-2");
    assertThat(windows("pH").get(0).factor()).isNull();
  }

  @Test
  void aBreachResolvesOnlyWhenClearlyBackUnderTheLimit() {
    feed("COD", T0, 60, 160, DeviceStatus.MEASURING); // breach
    feed(
        "COD",
        T0.plusSeconds(3600),
        60,
        146,
        DeviceStatus.MEASURING); // compliant, but within 5% of 150
    assertThat(closed).isEmpty();
    feed(
        "COD", T0.plusSeconds(7200), 60, 140, DeviceStatus.MEASURING); // 140 <= 142.5: clearly back
    feed("COD", T0.plusSeconds(10800), 1, 140, DeviceStatus.MEASURING);
    assertThat(windows("COD"))
        .extracting(WindowResult::verdict)
        .containsExactly(Verdict.BREACH, Verdict.COMPLIANT, Verdict.COMPLIANT);
    assertThat(of(opened, Kind.BREACH)).hasSize(1);
    Episode resolved = of(closed, Kind.BREACH).get(0);
    assertThat(resolved.start()).isEqualTo(T0);
    assertThat(resolved.end()).isEqualTo(T0.plusSeconds(7200));
  }

  @Test
  void hoveringAtTheLimitDoesNotFlap() {
    // Alternating 151 / 149 hourly means: one breach episode, not one per hour.
    for (int h = 0; h < 6; h++)
      feed("COD", T0.plusSeconds(3600L * h), 60, h % 2 == 0 ? 151 : 149, DeviceStatus.MEASURING);
    evaluator.finish();
    assertThat(of(opened, Kind.BREACH)).hasSize(1);
    assertThat(of(closed, Kind.BREACH)).isEmpty();
    // Readings hovering around the approach threshold (80% of 150 = 120): one warning, no flapping.
    var e2 = evaluator(PERMIT);
    opened.clear();
    for (int i = 0; i < 60; i++)
      e2.accept(
          new Reading(
              "S",
              "COD",
              T0.plusSeconds(60L * i).toEpochMilli(),
              i % 2 == 0 ? 121 : 118,
              "mg/L",
              DeviceStatus.MEASURING));
    assertThat(of(opened, Kind.APPROACH)).isEmpty(); // never three in a row above
  }

  @Test
  void warningsAreDebouncedBothWays() {
    feed("COD", T0, 125, 126); // two readings above 80%: nothing yet
    assertThat(opened).isEmpty();
    feed("COD", T0.plusSeconds(120), 127); // third
    assertThat(of(opened, Kind.APPROACH)).hasSize(1);
    assertThat(of(opened, Kind.APPROACH).get(0).start()).isEqualTo(T0);
    feed("COD", T0.plusSeconds(180), 100, 100); // two below: still on
    assertThat(closed).isEmpty();
    feed("COD", T0.plusSeconds(300), 100); // third below 76%: cleared
    assertThat(of(closed, Kind.APPROACH)).hasSize(1);
  }

  @Test
  void stationWithoutDataGoesStale() {
    feed("COD", T0, 100);
    evaluator.advanceTo(T0.plus(Duration.ofMinutes(29)));
    assertThat(of(opened, Kind.STALE)).isEmpty();
    evaluator.advanceTo(T0.plus(Duration.ofMinutes(30)));
    assertThat(of(opened, Kind.STALE)).hasSize(1);
    feed("COD", T0.plus(Duration.ofMinutes(45)), 100);
    assertThat(of(closed, Kind.STALE).get(0).end()).isEqualTo(T0.plus(Duration.ofMinutes(45)));
  }

  @Test
  void advancingTimeClosesWindowsAfterTheGrace() {
    feed("COD", T0, 60, 200, DeviceStatus.MEASURING);
    evaluator.advanceTo(T0.plusSeconds(3600 + 60));
    assertThat(windows).isEmpty(); // late readings may still come
    evaluator.advanceTo(T0.plusSeconds(3600 + 120));
    assertThat(windows("COD")).hasSize(1);
    assertThat(windows("COD").get(0).verdict()).isEqualTo(Verdict.BREACH);
    feed("COD", T0.plusSeconds(3000), 1); // for a closed window: late, ignored
    assertThat(evaluator.lateReadings()).isEqualTo(1);
  }

  @Test
  void stuckSensorIsAFlatLine() {
    feed("TSS", T0, 119, 42.0, DeviceStatus.MEASURING);
    assertThat(of(opened, Kind.FLAT_LINE)).isEmpty();
    feed("TSS", T0.plus(Duration.ofMinutes(120)), 42.0);
    assertThat(of(opened, Kind.FLAT_LINE)).hasSize(1);
    feed("TSS", T0.plus(Duration.ofMinutes(121)), 43.5);
    assertThat(of(closed, Kind.FLAT_LINE)).hasSize(1);
  }

  @Test
  void impossibleValuesAreReportedAndLeftOutOfTheMean() {
    feed("COD", T0, 100, -999, 100);
    feed("pH", T0, 7.0, 15.2, 7.2);
    evaluator.finish();
    assertThat(of(opened, Kind.IMPOSSIBLE_VALUE))
        .extracting(Episode::parameter)
        .containsExactly("COD", "pH");
    assertThat(windows("COD").get(0).mean()).isEqualTo(100);
    assertThat(windows("pH").get(0).mean()).isCloseTo(7.1, Offset.offset(1e-9));
  }

  @Test
  void aLongFaultIsADataQualityIssue() {
    feed("COD", T0, 59, 0, DeviceStatus.FAULT);
    assertThat(of(opened, Kind.PROLONGED_FAULT)).isEmpty();
    feed("COD", T0.plus(Duration.ofMinutes(60)), 1, 0, DeviceStatus.FAULT);
    assertThat(of(opened, Kind.PROLONGED_FAULT)).hasSize(1);
    feed("COD", T0.plus(Duration.ofMinutes(61)), 100);
    assertThat(of(closed, Kind.PROLONGED_FAULT)).hasSize(1);
  }

  @Test
  void incompleteWindowsAreFlagged() {
    // minute readings for half an hour: 6 of the hour's 12 five-minute slots → 50 % < 80 %
    feed("COD", T0, 30, 100, DeviceStatus.MEASURING);
    feed("COD", T0.plusSeconds(3600), 60, 100, DeviceStatus.MEASURING);
    feed("COD", T0.plusSeconds(7200), 100);
    assertThat(of(opened, Kind.LOW_COMPLETENESS)).hasSize(1);
    assertThat(of(opened, Kind.LOW_COMPLETENESS).get(0).peak()).isEqualTo(0.5);
    assertThat(of(closed, Kind.LOW_COMPLETENESS)).hasSize(1);
  }

  /** A reading every {@code step} from {@code from} to {@code to}, skipping [gapFrom, gapTo). */
  void every(
      ComplianceEvaluator e,
      Duration step,
      Instant from,
      Instant to,
      Instant gapFrom,
      Instant gapTo) {
    for (Instant t = from; t.isBefore(to); t = t.plus(step))
      if (gapFrom == null || t.isBefore(gapFrom) || !t.isBefore(gapTo))
        e.accept(new Reading("S", "COD", t.toEpochMilli(), 100, "mg/L", DeviceStatus.MEASURING));
  }

  @Test
  void aStationSamplingEveryFiveMinutesWithoutAGapIsComplete() {
    every(evaluator, Duration.ofMinutes(5), T0, T0.plusSeconds(3 * 3600), null, null);
    evaluator.finish();
    assertThat(of(opened, Kind.LOW_COMPLETENESS)).isEmpty();
  }

  @Test
  void aFortyMinuteGapLeavesFourOfTheHoursTwelveSlots() {
    // readings at :00 :05 ... :55; none from :10 to :45 (8 slots): 4 of 12 filled
    Instant hour = T0.plusSeconds(3600);
    every(
        evaluator,
        Duration.ofMinutes(5),
        T0,
        T0.plusSeconds(4 * 3600),
        hour.plusSeconds(600),
        hour.plusSeconds(3000));
    evaluator.finish();
    Episode low = of(opened, Kind.LOW_COMPLETENESS).get(0);
    assertThat(low.start()).isEqualTo(hour);
    assertThat(low.peak()).isEqualTo(4 / 12.0);
    assertThat(low.detail())
        .isEqualTo("33% of the window's 5-minute slots hold a valid reading (4 of 12)");
    assertThat(of(closed, Kind.LOW_COMPLETENESS)).hasSize(1); // the next hour is whole again
  }

  @Test
  void theSamplingPlanSetsTheSlotsCounted() {
    // a COD analyzer every 15 minutes: 4 readings an hour
    ComplianceEvaluator fifteen =
        evaluator(PERMIT, new SamplingPlan(Map.of("COD", Duration.ofMinutes(15))));
    every(fifteen, Duration.ofMinutes(15), T0, T0.plusSeconds(2 * 3600), null, null);
    fifteen.finish();
    assertThat(of(opened, Kind.LOW_COMPLETENESS)).as("4 of 4 fifteen-minute slots").isEmpty();
    // held to five minutes, the same readings fill 4 of 12 slots
    every(evaluator, Duration.ofMinutes(15), T0, T0.plusSeconds(2 * 3600), null, null);
    evaluator.finish();
    assertThat(of(opened, Kind.LOW_COMPLETENESS).get(0).peak()).isEqualTo(4 / 12.0);
  }

  @Test
  void aStationSamplingHourlyIsStaleAfterTwoHoursNotThirtyMinutes() {
    ComplianceEvaluator hourly =
        evaluator(PERMIT, new SamplingPlan(Map.of("*", Duration.ofHours(1))));
    hourly.accept(new Reading("S", "COD", T0.toEpochMilli(), 100, "mg/L", DeviceStatus.MEASURING));
    assertThat(hourly.staleAfter()).isEqualTo(Duration.ofHours(2));
    hourly.advanceTo(T0.plus(Duration.ofMinutes(119)));
    assertThat(of(opened, Kind.STALE)).isEmpty();
    hourly.advanceTo(T0.plus(Duration.ofMinutes(120)));
    assertThat(of(opened, Kind.STALE)).hasSize(1);
  }

  @Test
  void theStandardInForceChangesOnItsDate() {
    // Until 2026-11-25 (local) COD is judged under QCVN 40 column B (150), from then column A (75).
    var e =
        evaluator(
            "station: S\nkq: 1\nkf: 1\nstandard: QCVN 40:2011/BTNMT\nversions:\n  - {column: B, valid_to: 2026-11-25}\n  - {column: A, valid_from: 2026-11-25}\n");
    Instant beforeMidnight = Instant.parse("2026-11-24T16:00:00Z"); // 23:00 local
    for (int m = 0; m < 120; m++)
      e.accept(
          new Reading(
              "S",
              "COD",
              beforeMidnight.plusSeconds(60L * m).toEpochMilli(),
              100,
              "mg/L",
              DeviceStatus.MEASURING));
    e.finish();
    assertThat(windows("COD"))
        .extracting(WindowResult::verdict)
        .containsExactly(Verdict.COMPLIANT, Verdict.BREACH);
  }
}

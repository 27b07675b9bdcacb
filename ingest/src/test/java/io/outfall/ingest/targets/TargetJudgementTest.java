package io.outfall.ingest.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.outfall.ingest.targets.TargetJudgement.Kpi;
import io.outfall.ingest.targets.TargetJudgement.Status;
import io.outfall.ingest.targets.TargetJudgement.Verdict;
import org.junit.jupiter.api.Test;

class TargetJudgementTest {

  @Test
  void anEndedPeriodAtOrBelowTheTargetIntensityMetIt() {
    // baseline 0.50 kWh/m³, 6 % less: at most 0.47; the month used 0.47
    Verdict v = TargetJudgement.judge(Kpi.ENERGY_PER_M3, 0.47, 0.50, 6.0, true);
    assertThat(v.status()).isEqualTo(Status.MET);
    assertThat(v.targetValue()).isCloseTo(0.47, within(1e-12));
    assertThat(v.changePct()).isCloseTo(-6.0, within(1e-9)); // (0.47 - 0.50) / 0.50
  }

  @Test
  void anEndedPeriodAboveTheTargetIntensityMissedIt() {
    // 0.48 is 4 % below 0.50, short of the 6 % aimed at
    Verdict v = TargetJudgement.judge(Kpi.ENERGY_PER_M3, 0.48, 0.50, 6.0, true);
    assertThat(v.status()).isEqualTo(Status.MISSED);
    assertThat(v.changePct()).isCloseTo(-4.0, within(1e-9));
  }

  @Test
  void aRunningPeriodIsOnTrackOrBehindNeverMetOrMissed() {
    assertThat(TargetJudgement.judge(Kpi.CHEMICAL_PER_M3, 0.09, 0.10, 8.0, false).status())
        .isEqualTo(Status.ON_TRACK); // 0.09 <= 0.10 × 0.92 = 0.092
    assertThat(TargetJudgement.judge(Kpi.CHEMICAL_PER_M3, 0.095, 0.10, 8.0, false).status())
        .isEqualTo(Status.BEHIND); // 0.095 > 0.092
  }

  @Test
  void usingMoreThanTheBaselineIsAPositiveChange() {
    Verdict v = TargetJudgement.judge(Kpi.ENERGY_PER_UNIT, 13.0, 10.0, 8.0, true);
    assertThat(v.changePct()).isCloseTo(30.0, within(1e-9)); // (13 - 10) / 10
    assertThat(v.status()).isEqualTo(Status.MISSED);
  }

  @Test
  void withoutATargetTheChangeIsStillGiven() {
    Verdict v = TargetJudgement.judge(Kpi.ENERGY_PER_M3, 0.45, 0.50, null, true);
    assertThat(v.status()).isEqualTo(Status.NO_TARGET);
    assertThat(v.changePct()).isCloseTo(-10.0, within(1e-9));
    assertThat(v.targetValue()).isNull();
  }

  @Test
  void nothingToComputeFromIsNoDataNotMet() {
    // no production metered in the baseline: no intensity to compare with
    assertThat(TargetJudgement.judge(Kpi.ENERGY_PER_UNIT, 12.0, null, 8.0, true).status())
        .isEqualTo(Status.NO_DATA);
    // nothing treated in the period
    assertThat(TargetJudgement.judge(Kpi.ENERGY_PER_M3, null, 0.5, 6.0, true).status())
        .isEqualTo(Status.NO_DATA);
  }
}

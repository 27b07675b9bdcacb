package io.outfall.ingest.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class KpiTargetsTest {

  @Test
  void outfallShipsNoDefaultTarget() {
    assertThat(KpiTargets.provinceDefault(Settings.defaults())).isEmpty();
  }

  @Test
  void theProvincesDefaultIsReadFromTheSettingsWithItsSource() {
    var t =
        KpiTargets.provinceDefault(
                Settings.defaults()
                    .with(Setting.KPI_TARGET_ENERGY_PCT, "6")
                    .with(Setting.KPI_TARGET_BASELINE, "2024-01-01/2025-01-01")
                    .with(Setting.KPI_TARGET_SOURCE, "the province's plan"))
            .orElseThrow();
    assertThat(t.scope()).isEqualTo("province");
    assertThat(t.baselineFrom()).isEqualTo(LocalDate.of(2024, 1, 1));
    assertThat(t.baselineTo()).isEqualTo(LocalDate.of(2025, 1, 1));
    assertThat(t.energyPct()).isEqualTo(6.0);
    assertThat(t.chemicalPct()).isNull();
    assertThat(t.source()).isEqualTo("the province's plan");
  }

  @Test
  void aDefaultWithoutABaselineOrOutOfRangeIsRefusedSayingWhich() {
    Settings energy = Settings.defaults().with(Setting.KPI_TARGET_ENERGY_PCT, "6");
    assertThatThrownBy(() -> KpiTargets.provinceDefault(energy))
        .hasMessage(
            "kpi.target-baseline must be FROM/TO local dates, e.g. 2025-01-01/2026-01-01, got ''");
    assertThatThrownBy(
            () ->
                KpiTargets.provinceDefault(
                    energy.with(Setting.KPI_TARGET_BASELINE, "2025-01-01/2024-01-01")))
        .hasMessage("kpi.target-baseline: FROM must be before TO");
    assertThatThrownBy(
            () ->
                KpiTargets.provinceDefault(
                    Settings.defaults().with(Setting.KPI_TARGET_CHEMICAL_PCT, "100")))
        .hasMessage(
            "kpi.target-chemical-per-m3-pct is a percentage above 0 and below 100, got 100.0");
    assertThatThrownBy(
            () ->
                KpiTargets.provinceDefault(
                    Settings.defaults().with(Setting.KPI_TARGET_PRODUCT_PCT, "eight")))
        .hasMessageContaining("must be a number, got 'eight'");
  }
}

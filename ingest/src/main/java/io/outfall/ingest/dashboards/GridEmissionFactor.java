package io.outfall.ingest.dashboards;

import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import java.util.Optional;

/**
 * kg CO2e per kWh drawn from the grid, and where the figure is published. The ministry publishes
 * Vietnam's grid emission factor once a year; Outfall ships none, so greenhouse-gas intensity is
 * shown only where an operator of Outfall has set the year's figure with its source
 * (kpi.grid-emission-factor, kpi.grid-emission-factor-source).
 */
public record GridEmissionFactor(double kgCo2ePerKwh, String source) {

  public static Optional<GridEmissionFactor> from(Settings s) {
    Double f = s.getDecimal(Setting.KPI_GRID_EMISSION_FACTOR);
    if (f == null) return Optional.empty();
    // a factor above 2 kg/kWh would be more than any coal plant emits: a unit mistake (t/MWh is
    // the same number as kg/kWh; g/kWh is not)
    if (!(f > 0 && f <= 2))
      throw new IllegalArgumentException(
          Setting.KPI_GRID_EMISSION_FACTOR.key()
              + " is kg CO2e per kWh, above 0 and at most 2; it is "
              + f);
    String source = s.get(Setting.KPI_GRID_EMISSION_FACTOR_SOURCE).trim();
    if (source.isEmpty())
      throw new IllegalArgumentException(
          Setting.KPI_GRID_EMISSION_FACTOR_SOURCE.key()
              + " must say where "
              + Setting.KPI_GRID_EMISSION_FACTOR.key()
              + " is published (document and year): every figure computed with it shows it");
    return Optional.of(new GridEmissionFactor(f, source));
  }

  /** kg CO2e of the grid energy in {@code t}. */
  public double kgCo2e(PlantKpis.Totals t) {
    return t.energyKwh() * kgCo2ePerKwh;
  }
}

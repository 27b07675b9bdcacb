package io.outfall.ingest.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParameterCatalogTest {
  @ParameterizedTest
  @CsvSource({
    "mg/L, mg/L, true", "mg/L, mg/l, true", "mg/L, MG/L, true", "m3/h, m³/h, true",
        "degC, °C, true",
    "pH, -, true", "MPN/100mL, MPN/100 mL, true", "mg/L, g/L, false", "mg/L, ug/L, false",
        "m3/h, m3/s, false",
    "kWh, MWh, false"
  })
  void forgivesSpellingNeverAnotherUnit(String catalog, String sent, boolean same) {
    assertThat(ParameterCatalog.sameUnit(catalog, sent)).isEqualTo(same);
  }
}

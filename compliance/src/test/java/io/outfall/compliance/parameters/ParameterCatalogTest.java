package io.outfall.compliance.parameters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.compliance.standards.StandardsCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParameterCatalogTest {
  @Test
  void everyParameterOfEveryShippedStandardIsInTheCatalogInItsUnit() {
    // the live system accepts exactly the catalog: a parameter missing here would be refused at
    // intake (unknown_parameter) and a permit limiting it could never be judged
    assertThat(StandardsCatalog.shipped().mismatches(ParameterCatalog.shipped())).isEmpty();
  }

  @Test
  void aStandardNamingAParameterTheCatalogLacksIsCaught() {
    ParameterCatalog withoutCyanide =
        new ParameterCatalog(
            ParameterCatalog.shipped().all().stream()
                .filter(p -> !p.code().equals("cyanide"))
                .toList());
    assertThat(StandardsCatalog.shipped().mismatches(withoutCyanide))
        .containsExactly("QCVN 40:2011/BTNMT: cyanide (not in the parameter catalog)");
  }

  @Test
  void theShippedCatalogHasTheStandardsParametersAndThePlantMeters() {
    ParameterCatalog c = ParameterCatalog.shipped();
    // 33 of QCVN 40:2011, 11 of QCVN 14:2008 (pH, BOD5, TSS, NH4_N, coliforms and sulfide are in
    // both: 38 distinct), plus inflow, outflow and the four plant meters (grid and renewable
    // energy, chemical dose, production)
    assertThat(c.all()).hasSize(44);
    assertThat(c.byCode("energy_renewable").kind()).isEqualTo("meter");
    assertThat(c.byCode("production").kind()).isEqualTo("meter");
    assertThat(c.byCode("cyanide").unit()).isEqualTo("mg/L");
    assertThat(c.byCode("gross_alpha").unit()).isEqualTo("Bq/L");
    assertThat(c.byCode("energy").kind()).isEqualTo("meter");
    assertThat(c.byId((short) 57).code()).isEqualTo("phosphate_P");
  }

  @Test
  void aCodeOrIdGivenTwiceIsRefused() {
    var a = new ParameterCatalog.Parameter((short) 1, "COD", "mg/L", "quality", "COD", "COD");
    var b = new ParameterCatalog.Parameter((short) 1, "TSS", "mg/L", "quality", "TSS", "TSS");
    assertThatThrownBy(() -> new ParameterCatalog(List.of(a, b)))
        .hasMessage("parameter id 1 is given twice (TSS)");
  }

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

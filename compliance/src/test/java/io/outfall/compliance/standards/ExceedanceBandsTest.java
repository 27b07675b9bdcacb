package io.outfall.compliance.standards;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExceedanceBandsTest {
  static final ExceedanceBands BANDS = ExceedanceBands.shipped();

  @ParameterizedTest(name = "factor {0} -> band {1}")
  @CsvSource({
    "1.0, 1",
    "1.0999, 1",
    "1.1, 2",
    "1.49, 2",
    "1.5, 3",
    "2, 4",
    "2.99, 4",
    "3, 5",
    "5, 6",
    "9.99, 6",
    "10, 7",
    "250, 7"
  })
  void factorBandsFollowTheSanctionLadder(double factor, String band) {
    assertThat(BANDS.forFactor(factor)).isEqualTo(band);
  }

  @ParameterizedTest(name = "pH {0} -> {1}")
  @CsvSource({
    "4.5, ph-1",
    "4.0, ph-1",
    "3.99, ph-2",
    "2.0, ph-2",
    "1.99, ph-3",
    "9.5, ph-1",
    "10.49, ph-1",
    "10.5, ph-2",
    "12.49, ph-2",
    "12.5, ph-3"
  })
  void phBandsByValueOutsideTheRange(double ph, String band) {
    assertThat(BANDS.forPh(new Limit.Range(5.5, 9), ph)).isEqualTo(band);
  }

  @Test
  void noBandWithoutABreach() {
    assertThat(BANDS.forFactor(0.999)).isNull();
    assertThat(BANDS.forPh(new Limit.Range(5.5, 9), 7)).isNull();
  }
}

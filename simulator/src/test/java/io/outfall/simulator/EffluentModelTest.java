package io.outfall.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EffluentModelTest {
  final EffluentModel model =
      new EffluentModel(new EffluentModel.Profile(160, 55, 35, 4.5, 7.2, 30, true), 3);
  static final Instant DAY = Instant.parse("2026-11-23T17:00:00Z"); // midnight in Hanoi

  Map<String, Reading> at(Instant t) {
    return model.readings("S", t).stream()
        .collect(Collectors.toMap(Reading::parameter, Function.identity()));
  }

  @Test
  void sameInstantSameReadings() {
    assertThat(model.readings("S", DAY.plusSeconds(12345)))
        .isEqualTo(model.readings("S", DAY.plusSeconds(12345)));
    assertThat(model.readings("S", DAY).stream().map(Reading::parameter))
        .containsExactlyElementsOf(EffluentModel.PARAMETERS);
  }

  @Test
  void flowPeaksInTheWorkingDayAndDropsAtNight() {
    double night = at(DAY.plus(Duration.ofHours(3))).get("flow_in").value();
    double morning = at(DAY.plus(Duration.ofHours(9))).get("flow_in").value();
    assertThat(morning).isGreaterThan(night * 1.4);
  }

  @Test
  void aDayHasCalibrationFaultsAndExcursions() {
    int calibrating = 0, faults = 0, excursions = 0;
    for (int m = 0; m < 24 * 60; m++) {
      Map<String, Reading> r = at(DAY.plus(Duration.ofMinutes(m)));
      if (r.get("COD").status() == DeviceStatus.CALIBRATING) calibrating++;
      if (r.get("NH4_N").status() == DeviceStatus.FAULT) faults++;
      if (model.excursion(DAY.plus(Duration.ofMinutes(m)).getEpochSecond() / 60) > 1.4)
        excursions++;
    }
    assertThat(calibrating).isEqualTo(4 * 10); // every 6 h for 10 min
    assertThat(faults).isEqualTo(6 * 15); // every 4 h for 15 min on the flaky analyzer
    assertThat(excursions).isPositive();
  }

  @Test
  void valuesStayPhysicallyPlausible() {
    for (int m = 0; m < 7 * 24 * 60; m += 7) {
      List<Reading> rs = model.readings("S", DAY.plus(Duration.ofMinutes(m)));
      for (Reading r : rs) {
        assertThat(r.value()).as(r.parameter()).isFinite().isGreaterThanOrEqualTo(0);
        if (r.parameter().equals("pH")) assertThat(r.value()).isBetween(5.5, 8.5);
        if (r.parameter().equals("temperature")) assertThat(r.value()).isBetween(20.0, 35.0);
      }
    }
  }
}

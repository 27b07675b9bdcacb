package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.outfall.ingest.dashboards.BreachHours.Span;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BreachHoursTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  private static Instant at(double hours) {
    return T0.plusSeconds(Math.round(hours * 3600));
  }

  private static Span span(double from, Double to) {
    return new Span(at(from), to == null ? null : at(to));
  }

  @Test
  void twoParametersInBreachAtOnceCountOnce() {
    // COD 1 h..4 h and TSS 2 h..5 h: the union is 1 h..5 h, 4 h, not 3 + 3
    assertThat(BreachHours.of(List.of(span(1, 4.0), span(2, 5.0)), at(0), at(24)))
        .isCloseTo(4, within(1e-9));
  }

  @Test
  void spansThatTouchOrNestAreOneRun() {
    // 1..2 and 2..3 touch: 2 h; 1.5..1.8 lies inside 1..2 and adds nothing
    assertThat(BreachHours.of(List.of(span(2, 3.0), span(1, 2.0), span(1.5, 1.8)), at(0), at(24)))
        .isCloseTo(2, within(1e-9));
  }

  @Test
  void onlyThePartInsideThePeriodCounts() {
    // 20 h..30 h against the first day: 20 h..24 h, 4 h; -5 h..2 h: 0 h..2 h, 2 h
    assertThat(BreachHours.of(List.of(span(20, 30.0), span(-5, 2.0)), at(0), at(24)))
        .isCloseTo(6, within(1e-9));
  }

  @Test
  void anOpenAlertRunsToTheEndOfThePeriod() {
    // opened at 22 h, still open: 22 h..24 h, 2 h
    assertThat(BreachHours.of(List.of(span(22, null)), at(0), at(24))).isCloseTo(2, within(1e-9));
  }

  @Test
  void spansOutsideThePeriodOrEmptyCountNothing() {
    // before, after, and one that ended where it began
    assertThat(
            BreachHours.of(List.of(span(-10, -2.0), span(25, 26.0), span(3, 3.0)), at(0), at(24)))
        .isZero();
  }
}

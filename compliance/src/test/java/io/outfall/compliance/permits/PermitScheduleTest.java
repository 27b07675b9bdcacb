package io.outfall.compliance.permits;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.standards.StandardsCatalog;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PermitScheduleTest {
  // Column B until 2026-11-25 (local), column A from then; local midnight is 17:00 UTC the day
  // before.
  static final String TWO_VERSIONS =
      "station: S\nkq: 1\nkf: 1\nstandard: QCVN 40:2011/BTNMT\nversions:\n"
          + "  - {column: B, valid_to: 2026-11-25}\n  - {column: A, valid_from: 2026-11-25}\n";
  static final Instant MIDNIGHT = Instant.parse("2026-11-24T17:00:00Z");

  final PermitSchedule schedule = schedule(TWO_VERSIONS);

  static PermitSchedule schedule(String yaml) {
    try {
      return new PermitSchedule(PermitFile.parse(yaml, "test"), StandardsCatalog.shipped());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String columnAt(Instant t) {
    EffectiveLimits l = schedule.at(t);
    return l == null ? null : l.column();
  }

  @Test
  void theVersionChangesAtLocalMidnightToTheMillisecond() {
    assertThat(columnAt(MIDNIGHT.minusMillis(1))).isEqualTo("B");
    assertThat(columnAt(MIDNIGHT)).isEqualTo("A");
  }

  @Test
  void theLastAnswerIsNotTakenForAnotherDay() {
    // the answer is kept for its local day: asked out of time order, each day still gets its own
    assertThat(columnAt(MIDNIGHT.plusSeconds(3_600))).isEqualTo("A");
    assertThat(columnAt(MIDNIGHT.minusSeconds(3_600))).isEqualTo("B");
    assertThat(columnAt(MIDNIGHT.plusSeconds(86_400 * 30L))).isEqualTo("A");
    assertThat(columnAt(MIDNIGHT.minusSeconds(86_400 * 30L))).isEqualTo("B");
    assertThat(columnAt(MIDNIGHT.minusMillis(1))).isEqualTo("B");
  }

  @Test
  void noPermitBeforeTheFirstVersionStarts() {
    PermitSchedule from =
        schedule(
            "station: S\nkq: 1\nkf: 1\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\n"
                + "valid_from: 2026-11-25\n");
    assertThat(from.at(MIDNIGHT)).isNotNull();
    assertThat(from.at(MIDNIGHT.minusMillis(1))).isNull();
    assertThat(from.at(MIDNIGHT)).isNotNull();
  }
}

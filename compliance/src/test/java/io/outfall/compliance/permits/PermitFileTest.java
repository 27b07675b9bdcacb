package io.outfall.compliance.permits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.compliance.standards.StandardsCatalog;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermitFileTest {
  static List<Permit> parse(String yaml) throws Exception {
    return PermitFile.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "test");
  }

  @Test
  void versionsInheritTheCommonKeysAndTakeEffectOnTheirDate() throws Exception {
    List<Permit> permits =
        parse(
            "station: S\ncolumn: B\nkq: 1\nkf: 1\nversions:\n"
                + "  - {standard: QCVN 14:2008/BTNMT, k: 1.2, valid_to: 2026-07-01}\n"
                + "  - {standard: QCVN 40:2011/BTNMT, valid_from: 2026-07-01, averaging: 30m}\n");
    assertThat(permits)
        .extracting(Permit::standard)
        .containsExactly("QCVN 14:2008/BTNMT", "QCVN 40:2011/BTNMT");
    assertThat(permits.get(1).averaging()).isEqualTo(Duration.ofMinutes(30));
    assertThat(permits.get(1).validFrom()).isEqualTo(LocalDate.of(2026, 7, 1));
    PermitSchedule schedule = new PermitSchedule(permits, StandardsCatalog.shipped());
    // Midnight in Hanoi is 17:00 UTC the day before.
    assertThat(schedule.at(Instant.parse("2026-06-30T16:59:59Z")).standard().name())
        .isEqualTo("QCVN 14:2008/BTNMT");
    assertThat(schedule.at(Instant.parse("2026-06-30T17:00:00Z")).standard().name())
        .isEqualTo("QCVN 40:2011/BTNMT");
  }

  @Test
  void outsideItsValidityNoPermitApplies() throws Exception {
    PermitSchedule schedule =
        new PermitSchedule(
            parse(
                "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nvalid_from: 2026-01-01\n"),
            StandardsCatalog.shipped());
    assertThat(schedule.at(Instant.parse("2025-12-31T12:00:00Z"))).isNull();
    assertThat(schedule.at(Instant.parse("2026-03-01T00:00:00Z"))).isNotNull();
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> parse("station: S\nstandard: X\ncolum: B\n"))
        .hasMessageContaining("unknown key 'colum'");
    assertThatThrownBy(() -> parse("standard: X\n")).hasMessageContaining("station is required");
    assertThatThrownBy(() -> parse("station: S\nstandard: X\nkq: -1\n"))
        .hasMessageContaining("kq must be a positive number");
    assertThatThrownBy(() -> parse("station: S\nstandard: X\nvalid_from: 01/07/2026\n"))
        .hasMessageContaining("valid_from must be a date like 2026-01-01");
    assertThatThrownBy(() -> parse("station: S\nstandard: X\naveraging: 7m\n"))
        .hasMessageContaining("averaging must divide a day evenly");
  }
}

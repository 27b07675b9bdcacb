package io.outfall.tests.donre;

import static io.outfall.tests.testing.DrillRunner.lastLine;
import static io.outfall.tests.testing.DrillRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.app.drill.FtpOutageDrill;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code outfall drill ftp-outage} as shipped: the department's FTP server away for 80 s, long
 * enough for the one-minute transmission-behind alert, which must be raised and resolved.
 */
class FtpOutageDrillIT {
  @Test
  void eightySecondsWithoutTheDepartmentsServerLoseAndDoubleNoFile() {
    String printed = run(new FtpOutageDrill(), "--outage", "80");
    assertThat(printed)
        .contains("department's FTP server stopped", "transmission-behind alert: resolved");
    Matcher m =
        Pattern.compile("intervals=(\\d+) sent=(\\d+) duplicates=0 missing=0")
            .matcher(lastLine(printed));
    assertThat(m.matches()).as(lastLine(printed)).isTrue();
    // 10 s before, 80 s out and 10 s after, at a file every 2 s: about 50 intervals
    assertThat(Integer.parseInt(m.group(1))).isGreaterThanOrEqualTo(45);
    assertThat(m.group(2)).isEqualTo(m.group(1));
  }
}

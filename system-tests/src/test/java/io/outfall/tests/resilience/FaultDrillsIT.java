package io.outfall.tests.resilience;

import static io.outfall.tests.testing.DrillRunner.lastLine;
import static io.outfall.tests.testing.DrillRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.app.drill.DatabaseOutageDrill;
import io.outfall.app.drill.IngestCrashDrill;
import io.outfall.app.drill.LongOutageDrill;
import org.junit.jupiter.api.Test;

/**
 * The fault drills as shipped ({@code outfall drill ingest-crash}, {@code outfall drill db-outage},
 * {@code outfall drill long-outage} shortened to 40 s): each must end with its last line saying
 * nothing was lost or duplicated, and exit 0. The database outage lasts the full minute the issue
 * names.
 */
class FaultDrillsIT {
  @Test
  void ingestKilledMidStreamLosesNothing() {
    String printed = run(new IngestCrashDrill(), "--readings", "40000", "--rate", "40");
    assertThat(printed).contains("ingest killed with SIGKILL", "readings sent before the restart");
    assertLastLineCountsEverything(printed, 40_000);
  }

  @Test
  void aMinuteWithoutTheDatabaseLosesNothing() {
    String printed = run(new DatabaseOutageDrill(), "--outage", "60");
    assertThat(printed).contains("during the outage /api/health answers 503");
    assertLastLineCountsEverything(printed, 160_000);
  }

  @Test
  void theFourDemoPlantsLoseNothingWhileTheBrokerIsAway() {
    String printed = run(new LongOutageDrill(), "--before", "6", "--outage", "40");
    assertThat(printed).contains("every plant live again", "caught up");
    String last = lastLine(printed);
    assertThat(last).matches("polled=(\\d+) stored=\\1 duplicates=0 lost=0");
    // 4 plants × 10 readings a second for at least the 40 s outage
    assertThat(Long.parseLong(last.replaceAll("polled=(\\d+).*", "$1"))).isGreaterThan(1_600);
  }

  private static void assertLastLineCountsEverything(String printed, long expected) {
    assertThat(lastLine(printed))
        .isEqualTo("sent=%d stored=%d duplicates=0 lost=0", expected, expected);
  }
}

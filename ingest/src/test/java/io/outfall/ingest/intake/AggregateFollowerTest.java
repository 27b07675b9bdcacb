package io.outfall.ingest.intake;

import static io.outfall.ingest.intake.AggregateFollower.MAX_DEFER_NANOS;
import static io.outfall.ingest.intake.AggregateFollower.QUIET_NANOS;
import static io.outfall.ingest.intake.AggregateFollower.deferral;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When a woken fold starts: in the writer's first pause of 5 ms, and never more than 50 ms after it
 * was woken. Times in nanoseconds from an arbitrary origin, as {@code System.nanoTime} gives them.
 */
class AggregateFollowerTest {
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long WOKEN = -7_000 * MS; // nanoTime may be negative

  @Test
  void theLimitsAreFiveAndFiftyMilliseconds() {
    assertThat(QUIET_NANOS).isEqualTo(5 * MS);
    assertThat(MAX_DEFER_NANOS).isEqualTo(50 * MS);
  }

  @Test
  void aWriterQuietForFiveMillisecondsIsFoldedBehindAtOnce() {
    assertThat(deferral(5 * MS, WOKEN, WOKEN)).isZero();
    assertThat(deferral(900 * MS, WOKEN, WOKEN + 3 * MS)).isZero();
  }

  @Test
  void aWriterQuietForLessWaitsTheRestOfTheFiveMilliseconds() {
    // quiet 2 ms: 5 - 2 = 3 ms more
    assertThat(deferral(2 * MS, WOKEN, WOKEN + MS)).isEqualTo(3 * MS);
  }

  @Test
  void aBusyWriterIsAskedAgainEveryMillisecond() {
    assertThat(deferral(0, WOKEN, WOKEN + 10 * MS)).isEqualTo(MS);
  }

  @Test
  void aWriterThatNeverPausesDelaysTheFoldFiftyMillisecondsAtMost() {
    // woken 49.5 ms ago: half a millisecond left, not a whole recheck
    assertThat(deferral(0, WOKEN, WOKEN + 49 * MS + MS / 2)).isEqualTo(MS / 2);
    assertThat(deferral(0, WOKEN, WOKEN + 50 * MS)).isZero();
    assertThat(deferral(0, WOKEN, WOKEN + 51 * MS)).isZero();
    // quiet 1 ms at 48 ms: 4 ms to a pause, but only 2 to the limit
    assertThat(deferral(MS, WOKEN, WOKEN + 48 * MS)).isEqualTo(2 * MS);
  }
}

package io.outfall.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTimeTest {

  @Test
  void writesWhatInstantToStringWritesForAMillionMillisecondsAcrossTheYears() {
    SplittableRandom random = new SplittableRandom(19);
    long min = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
    long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    for (int i = 0; i < 1_000_000; i++) {
      long ms = random.nextLong(min, max + 1);
      // half of them on whole seconds, where no fraction is written
      if (i % 2 == 0) ms -= Math.floorMod(ms, 1000);
      assertThat(JsonTime.iso(ms)).isEqualTo(Instant.ofEpochMilli(ms).toString());
    }
  }

  @Test
  void theEdgesOfDaysYearsAndTheRangeAreWrittenAsInstantWritesThem() {
    for (String t :
        new String[] {
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999Z",
          "1969-12-31T23:59:59.999Z",
          "1970-01-01T00:00:00Z",
          "1900-02-28T23:59:59Z",
          "1900-03-01T00:00:00.001Z",
          "2000-02-29T12:00:00.100Z",
          "2024-02-29T23:59:59.990Z",
          "2026-12-03T08:45:00Z"
        }) {
      Instant i = Instant.parse(t);
      assertThat(JsonTime.iso(i.toEpochMilli())).isEqualTo(t);
      assertThat(JsonTime.iso(i)).isEqualTo(t);
    }
  }

  @Test
  void beyondTheFourDigitYearsAndBelowAMillisecondItIsInstantsOwnText() {
    Instant far = Instant.parse("+10000-01-01T00:00:00Z");
    assertThat(JsonTime.iso(far)).isEqualTo("+10000-01-01T00:00:00Z");
    assertThat(JsonTime.iso(far.toEpochMilli())).isEqualTo("+10000-01-01T00:00:00Z");
    Instant bc = Instant.parse("-0001-12-31T23:59:59Z");
    assertThat(JsonTime.iso(bc.toEpochMilli())).isEqualTo("-0001-12-31T23:59:59Z");
    // far beyond any millisecond a long holds: still Instant's text, not an overflow
    assertThat(JsonTime.iso(Instant.MAX)).isEqualTo(Instant.MAX.toString());
    assertThat(JsonTime.iso(Instant.MIN)).isEqualTo(Instant.MIN.toString());
    Instant micros = Instant.parse("2026-12-03T08:45:00.000250Z");
    assertThat(JsonTime.iso(micros)).isEqualTo("2026-12-03T08:45:00.000250Z");
  }
}

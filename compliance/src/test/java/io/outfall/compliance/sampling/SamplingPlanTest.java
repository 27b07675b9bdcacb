package io.outfall.compliance.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplingPlanTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static SamplingPlan parse(String yaml) throws Exception {
    return SamplingPlan.parse(YAML.readTree("sampling: " + yaml).get("sampling"), "sampling");
  }

  @Test
  void aPlanNamesIntervalsByParameterWithADefault() throws Exception {
    SamplingPlan p = parse("{\"*\": 5m, COD: 15m}");
    assertThat(p.interval("COD")).isEqualTo(Duration.ofMinutes(15));
    assertThat(p.interval("pH")).isEqualTo(Duration.ofMinutes(5));
    assertThat(parse("1h").interval("TSS")).isEqualTo(Duration.ofHours(1));
    assertThat(SamplingPlan.NONE.interval("COD")).isNull();
    assertThat(SamplingPlan.NONE.intervalOrDefault("COD")).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theRegistryWinsOverThePermitWhichWinsOverWhatWasMeasured() {
    SamplingPlan registry = new SamplingPlan(Map.of("COD", Duration.ofMinutes(15)));
    SamplingPlan permit =
        new SamplingPlan(Map.of("*", Duration.ofMinutes(10), "TSS", Duration.ofMinutes(30)));
    SamplingPlan measured = new SamplingPlan(Map.of("pH", Duration.ofMinutes(1)));
    SamplingPlan p = registry.orElse(permit).orElse(measured);
    assertThat(p.interval("COD")).isEqualTo(Duration.ofMinutes(15));
    assertThat(p.interval("TSS")).isEqualTo(Duration.ofMinutes(30));
    // the permit's "*" speaks for pH before the measurement does
    assertThat(p.interval("pH")).isEqualTo(Duration.ofMinutes(10));
    assertThat(new SamplingPlan(Map.of("*", Duration.ofHours(1))).orElse(permit).interval("TSS"))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void slotsAreNeverFinerThanFiveMinutes() {
    SamplingPlan p =
        new SamplingPlan(Map.of("pH", Duration.ofMinutes(1), "COD", Duration.ofMinutes(15)));
    assertThat(p.slot("pH")).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.slot("COD")).isEqualTo(Duration.ofMinutes(15));
    assertThat(p.longest(List.of("pH", "COD"))).isEqualTo(Duration.ofMinutes(15));
  }

  @ParameterizedTest
  @CsvSource({"30s, 30", "1m, 60", "5m, 300", "20m, 1200", "2h, 7200", "PT15M, 900", "24h, 86400"})
  void intervalsAreWrittenShortOrInIso(String text, long seconds) {
    assertThat(SamplingPlan.interval(text, "x")).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource({"7m", "25m", "5h", "0m", "-5m", "soon"})
  void intervalsThatDoNotLineUpWithDaysAreRefused(String text) {
    assertThatThrownBy(() -> SamplingPlan.interval(text, "sampling.COD"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("sampling.COD: ");
  }

  static long[] every(long stepMs, int n, long jitterMs) {
    return LongStream.range(0, n).map(i -> i * stepMs + (i % 2 == 0 ? 0 : jitterMs)).toArray();
  }

  @Test
  void theIntervalAStationShowsIsItsMedianGapOnAPlannableStep() {
    // five minutes with a few seconds of jitter
    assertThat(SamplingPlan.measured(every(300_000, 50, 4_000))).isEqualTo(Duration.ofMinutes(5));
    // an analyzer cycle of 14.5 minutes is a 15-minute plan
    assertThat(SamplingPlan.measured(every(870_000, 30, 0))).isEqualTo(Duration.ofMinutes(15));
    // a minute logger keeps its minute (counted in five-minute slots)
    assertThat(SamplingPlan.measured(every(60_000, 120, 0))).isEqualTo(Duration.ofMinutes(1));
    // a gap of 40 minutes among five-minute readings does not move the median
    long[] withGap =
        LongStream.concat(
                LongStream.range(0, 20).map(i -> i * 300_000),
                LongStream.range(0, 20).map(i -> 8_400_000 + i * 300_000))
            .toArray();
    assertThat(SamplingPlan.measured(withGap)).isEqualTo(Duration.ofMinutes(5));
    assertThat(SamplingPlan.measured(every(300_000, 5, 0))).as("too few to tell").isNull();
  }
}

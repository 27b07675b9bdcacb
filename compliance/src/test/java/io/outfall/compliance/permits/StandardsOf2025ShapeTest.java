package io.outfall.compliance.permits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.StandardsCatalog;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The catalog format the 2025 standards need — columns A/B/C, limits by discharge-volume tier,
 * sector-only parameters — on a test catalog with invented numbers (the real tables are not
 * shipped), and the transition of an existing facility from QCVN 40:2011 to a 2025 standard.
 */
class StandardsOf2025ShapeTest {
  static final StandardsCatalog CATALOG = StandardsCatalog.load(dir());

  static Path dir() {
    try {
      return Path.of(StandardsOf2025ShapeTest.class.getResource("/format-test-standards").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static EffectiveLimits resolve(String yaml) {
    return EffectiveLimits.resolve(PermitFile.parse(yaml, "test").get(0), CATALOG);
  }

  static String permit(String column, String more) {
    return "station: S\nstandard: FORMAT-TEST 40:2025\ncolumn: " + column + "\n" + more;
  }

  @ParameterizedTest(name = "{0} m³/day → tier {1}, COD {2} in column C")
  @CsvSource({
    "10, small, 31",
    "500, small, 31", // a band holds its upper bound
    "500.5, medium, 32",
    "2000, medium, 32",
    "2001, large, 33"
  })
  void theDeclaredDischargePicksTheTier(double discharge, String tier, double cod) {
    EffectiveLimits l = resolve(permit("C", "discharge_m3_per_day: " + discharge + "\n"));
    assertThat(l.tier()).isEqualTo(tier);
    assertThat(l.get("COD").limit()).isEqualTo(new Limit.Maximum(cod));
    assertThat(l.get("COD").derivation())
        .startsWith("FORMAT-TEST 40:2025 column C, tier " + tier + " (discharge_m3_per_day ");
    // a parameter without tiers is the same in every tier
    assertThat(l.get("TSS").limit()).isEqualTo(new Limit.Maximum(43));
    assertThat(l.get("TSS").derivation()).doesNotContain("tier");
  }

  @Test
  void columnsAAndBHaveTheirOwnTieredValues() {
    String medium = "discharge_m3_per_day: 1200\n";
    assertThat(resolve(permit("A", medium)).get("COD").limit()).isEqualTo(new Limit.Maximum(12));
    assertThat(resolve(permit("B", medium)).get("COD").limit()).isEqualTo(new Limit.Maximum(22));
    assertThat(resolve(permit("C", medium)).get("pH").limit()).isEqualTo(new Limit.Range(5, 9.5));
  }

  @Test
  void aStandardMayReadItsTierFromTheDesignCapacity() {
    EffectiveLimits l =
        EffectiveLimits.resolve(
            PermitFile.parse(
                    "station: S\nstandard: FORMAT-TEST 14:2025\ncolumn: B\ndesign_capacity_m3_per_day: 3000\ndischarge_m3_per_day: 900\n",
                    "test")
                .get(0),
            CATALOG);
    assertThat(l.tier()).isEqualTo("from_2000");
    assertThat(l.get("BOD5").limit()).isEqualTo(new Limit.Maximum(72));
  }

  @Test
  void aSectorParameterIsLimitedOnlyInItsSectors() {
    String medium = "discharge_m3_per_day: 1200\n";
    assertThat(resolve(permit("B", medium + "sector: textile\n")).get("colour").limit())
        .isEqualTo(new Limit.Maximum(52));
    assertThat(resolve(permit("B", medium + "sector: paper\n")).get("colour")).isNull();
    assertThat(resolve(permit("B", medium)).get("colour")).as("no sector given").isNull();
    assertThatThrownBy(() -> resolve(permit("B", medium + "sector: mining\n")))
        .hasMessage("sector 'mining' is not one of [textile, paper] in FORMAT-TEST 40:2025");
  }

  @Test
  void aTieredStandardWithoutItsTierInputIsAClearError() {
    assertThatThrownBy(() -> resolve(permit("B", "")))
        .hasMessage(
            "discharge_m3_per_day is needed: FORMAT-TEST 40:2025 sets limits by discharge-volume tier");
  }

  @Test
  void anExistingFacilityKeepsQcvn40Of2011UntilTheEndOf2031() {
    // Facilities operating (or with an approved EIA) before 1 Sep 2025 keep the old standards until
    // 31 Dec 2031 (shared/regulations/monitoring-data.md): one permit, two versions, the second
    // taking effect on the first day of 2032, local time.
    List<Permit> versions =
        PermitFile.parse(
            "station: S\ncolumn: B\ndischarge_m3_per_day: 1200\nversions:\n"
                + "  - {standard: QCVN 40:2011/BTNMT, kq: 1, kf: 1, valid_to: 2032-01-01}\n"
                + "  - {standard: FORMAT-TEST 40:2025, valid_from: 2032-01-01}\n",
            "transition");
    PermitSchedule schedule = new PermitSchedule(versions, CATALOG);
    Instant lastMinuteOf2031 = Instant.parse("2031-12-31T16:59:00Z"); // 23:59 in Hanoi
    Instant firstMinuteOf2032 = Instant.parse("2031-12-31T17:00:00Z"); // 00:00 in Hanoi
    assertThat(schedule.at(lastMinuteOf2031).standard().name()).isEqualTo("QCVN 40:2011/BTNMT");
    assertThat(schedule.at(lastMinuteOf2031).get("COD").limit()).isEqualTo(new Limit.Maximum(150));
    assertThat(schedule.at(firstMinuteOf2032).standard().name()).isEqualTo("FORMAT-TEST 40:2025");
    assertThat(schedule.at(firstMinuteOf2032).get("COD").limit()).isEqualTo(new Limit.Maximum(22));
  }

  @Test
  void badTierTablesNameTheirPlace() throws Exception {
    Path dir = Files.createTempDirectory("tiers");
    Files.writeString(
        dir.resolve("gap.yaml"),
        "name: GAP\nkind: x\ncoefficients: none\ncolumns: {A: a}\ntiers: {measure: discharge_m3_per_day, bands: [{name: s, up_to: 500}, {name: l, above: 600}]}\nparameters: {COD: {unit: mg/L, A: {s: 1, l: 2}}}\n");
    assertThatThrownBy(() -> StandardsCatalog.load(dir))
        .hasMessageContaining("gap.yaml: tiers.bands[1]: must start where the previous tier ended");
    Files.delete(dir.resolve("gap.yaml"));
    Files.writeString(
        dir.resolve("missing.yaml"),
        "name: MISSING\nkind: x\ncoefficients: none\ncolumns: {A: a}\ntiers: {measure: discharge_m3_per_day, bands: [{name: s, up_to: 500}, {name: l, above: 500}]}\nparameters: {COD: {unit: mg/L, A: {s: 1}}}\n");
    assertThatThrownBy(() -> StandardsCatalog.load(dir))
        .hasMessageContaining("missing.yaml: parameters.COD.A: no limit for tier l");
  }
}

package io.outfall.compliance.permits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.StandardsCatalog;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class EffectiveLimitsTest {
  static final StandardsCatalog CATALOG = StandardsCatalog.shipped();

  static EffectiveLimits resolve(String yaml) throws Exception {
    List<Permit> permits =
        PermitFile.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "test");
    return EffectiveLimits.resolve(permits.get(0), CATALOG);
  }

  static double max(EffectiveLimits l, String p) {
    return ((Limit.Maximum) l.get(p).limit()).max();
  }

  @Test
  void coefficientsDerivedFromReceivingWaterAndDischarge() throws Exception {
    var l =
        resolve(
            "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nreceiving: {type: river, flow_m3s: 30}\ndischarge_m3_per_day: 3000\n");
    assertThat(l.coefficients()).containsEntry("kq", 0.9).containsEntry("kf", 1.0);
    assertThat(max(l, "COD")).isCloseTo(135, Offset.offset(1e-9));
    assertThat(max(l, "NH4_N")).isCloseTo(9, Offset.offset(1e-9));
    assertThat(l.get("COD").derivation())
        .isEqualTo("QCVN 40:2011/BTNMT column B: C 150 × Kq 0.9 × Kf 1 = 135");
  }

  @Test
  void smallDischargeIntoABigLakeMultipliesBoth() throws Exception {
    var l =
        resolve(
            "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: A\nreceiving: {type: lake, volume_m3: 50000000}\ndischarge_m3_per_day: 40\n");
    assertThat(max(l, "COD")).isCloseTo(75 * 0.8 * 1.2, Offset.offset(1e-9));
  }

  @Test
  void givenCoefficientsWinOverFacts() throws Exception {
    var l =
        resolve(
            "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1.1\nkf: 0.9\nreceiving: {type: river, flow_m3s: 30}\n");
    assertThat(max(l, "TSS")).isCloseTo(100 * 1.1 * 0.9, Offset.offset(1e-9));
  }

  @Test
  void limitsAreComputedInDecimalsAsTheRegulationWritesThem() throws Exception {
    var l = resolve("station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 0.9\nkf: 1.1\n");
    // In binary floating point these are 148.50000000000003 and 99.00000000000001.
    assertThat(max(l, "COD")).isEqualTo(148.5);
    assertThat(max(l, "TSS")).isEqualTo(99.0);
    assertThat(max(l, "NH4_N")).isEqualTo(9.9);
  }

  @Test
  void parametersOutsideTheFormulaAreNeverMultiplied() throws Exception {
    var l = resolve("station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1.2\nkf: 1.2\n");
    assertThat(l.get("pH").limit()).isEqualTo(new Limit.Range(5.5, 9));
    assertThat(max(l, "temperature")).isEqualTo(40);
    assertThat(max(l, "colour")).isEqualTo(150);
    assertThat(max(l, "coliforms")).isEqualTo(5000);
    assertThat(max(l, "gross_beta")).isEqualTo(1.0);
    assertThat(max(l, "COD")).isCloseTo(150 * 1.44, Offset.offset(1e-9));
  }

  @Test
  void urbanDrainageWithoutTreatmentIsColumnBWithoutCoefficients() throws Exception {
    var l =
        resolve(
            "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: A\nreceiving: {type: urban_drainage}\ndischarge_m3_per_day: 20\n");
    assertThat(l.column()).isEqualTo("B");
    assertThat(max(l, "COD")).isEqualTo(150);
  }

  @Test
  void domesticKFromTheFacility() throws Exception {
    var big =
        resolve(
            "station: S\nstandard: QCVN 14:2008/BTNMT\ncolumn: B\nfacility: {type: market, area_m2: 2000}\n");
    var small =
        resolve(
            "station: S\nstandard: QCVN 14:2008/BTNMT\ncolumn: B\nfacility: {type: market, area_m2: 1000}\n");
    assertThat(big.coefficients()).containsEntry("k", 1.0);
    assertThat(max(small, "BOD5")).isCloseTo(60, Offset.offset(1e-9));
    assertThat(small.get("pH").limit()).isEqualTo(new Limit.Range(5, 9));
    assertThat(max(small, "coliforms")).isEqualTo(5000);
  }

  @Test
  void aHotelOfThreeStarsTakesTheLargeKWhateverItsRooms() throws Exception {
    // QCVN 14:2008 Table 2: K = 1.0 for 50 rooms or more, or a hotel rated 3 stars or more
    String base = "station: S\nstandard: QCVN 14:2008/BTNMT\ncolumn: B\nfacility: ";
    assertThat(resolve(base + "{type: hotel, rooms: 40}\n").coefficients()).containsEntry("k", 1.2);
    assertThat(resolve(base + "{type: hotel, rooms: 40, stars: 3}\n").coefficients())
        .containsEntry("k", 1.0);
    assertThat(resolve(base + "{type: hotel, rooms: 40, stars: 2}\n").coefficients())
        .containsEntry("k", 1.2);
    assertThat(resolve(base + "{type: hotel, stars: 4}\n").coefficients()).containsEntry("k", 1.0);
  }

  @Test
  void permitMayBeStricterNeverLooser() throws Exception {
    var l =
        resolve(
            "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nlimits: {COD: 100, pH: [6, 8.5]}\nparameters: [COD, pH]\n");
    assertThat(l.limits().keySet()).containsExactly("COD", "pH");
    assertThat(max(l, "COD")).isEqualTo(100);
    assertThat(l.get("COD").derivation()).startsWith("permit-specific");
    assertThatThrownBy(
            () ->
                resolve(
                    "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nlimits: {COD: 200}\n"))
        .hasMessageContaining("limits.COD 200 is looser than QCVN 40:2011/BTNMT (150)");
  }

  @Test
  void missingFactsAreClearErrors() {
    assertThatThrownBy(
            () -> resolve("station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkf: 1\n"))
        .hasMessageContaining("kq is missing");
    assertThatThrownBy(
            () -> resolve("station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\n"))
        .hasMessageContaining("kf is missing: give kf, or discharge_m3_per_day");
    assertThatThrownBy(
            () ->
                resolve(
                    "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nreceiving: {type: river}\nkf: 1\n"))
        .hasMessageContaining("receiving.flow_m3s is needed");
    assertThatThrownBy(
            () -> resolve("station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: C\nkq: 1\nkf: 1\n"))
        .hasMessageContaining("column 'C' is not one of [A, B]");
    assertThatThrownBy(
            () ->
                resolve(
                    "station: S\nstandard: QCVN 14:2008/BTNMT\ncolumn: A\nfacility: {type: hotel}\n"))
        .hasMessageContaining("facility.rooms is needed");
    assertThatThrownBy(
            () ->
                resolve(
                    "station: S\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [nitrate]\n"))
        .hasMessageContaining("'nitrate' has no limit");
  }
}

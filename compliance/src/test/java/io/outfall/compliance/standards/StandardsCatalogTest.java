package io.outfall.compliance.standards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StandardsCatalogTest {
  static final StandardsCatalog CATALOG = StandardsCatalog.shipped();
  static final Standard QCVN40 = CATALOG.get("QCVN 40:2011/BTNMT");

  @Test
  void shipsBothStandardsWithTheirTables() {
    assertThat(CATALOG.names()).containsExactly("QCVN 14:2008/BTNMT", "QCVN 40:2011/BTNMT");
    assertThat(QCVN40.parameters()).hasSize(33);
    assertThat(QCVN40.parameters().get("COD").byColumn())
        .containsEntry("A", new Limit.Maximum(75))
        .containsEntry("B", new Limit.Maximum(150));
    assertThat(QCVN40.parameters().get("pH").byColumn().get("B"))
        .isEqualTo(new Limit.Range(5.5, 9));
    assertThat(QCVN40.sources()).isNotEmpty();
    Standard qcvn14 = CATALOG.get("QCVN 14:2008/BTNMT");
    assertThat(qcvn14.coefficients()).isEqualTo("k");
    assertThat(qcvn14.parameters().get("NH4_N").byColumn().get("B"))
        .isEqualTo(new Limit.Maximum(10));
  }

  @Test
  void parametersThatAreNeverMultipliedAreMarked() {
    for (String p :
        new String[] {"pH", "temperature", "colour", "coliforms", "gross_alpha", "gross_beta"}) {
      assertThat(QCVN40.parameters().get(p).multiply()).as(p).isFalse();
    }
    assertThat(QCVN40.parameters().get("COD").multiply()).isTrue();
    assertThat(CATALOG.get("QCVN 14:2008/BTNMT").parameters().get("coliforms").multiply())
        .isFalse();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "river, 10, 0.9",
    "river, 50, 0.9",
    "river, 50.01, 1.0",
    "river, 200, 1.0",
    "river, 300, 1.1",
    "river, 500, 1.1",
    "river, 501, 1.2",
    "lake, 5000000, 0.6",
    "lake, 10000000, 0.6",
    "lake, 20000000, 0.8",
    "lake, 100000001, 1.0",
    "coastal, 0, 1.3",
    "coastal_protected, 0, 1.0"
  })
  void kqBandsIncludeTheirUpperBound(String type, double measure, double kq) {
    assertThat(QCVN40.kq().get(type).of(measure)).isEqualTo(kq);
  }

  @ParameterizedTest(name = "F {0} m3/day -> Kf {1}")
  @CsvSource({"10, 1.2", "50, 1.2", "51, 1.1", "500, 1.1", "501, 1.0", "5000, 1.0", "5001, 0.9"})
  void kfBands(double discharge, double kf) {
    assertThat(QCVN40.kf().of(discharge)).isEqualTo(kf);
  }

  @Test
  void anotherStandardIsAddedAsAFile(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("local.yaml"),
        "name: HN-LOCAL:2026\nkind: industrial\ncoefficients: none\ncolumns: {A: stricter city rule}\nparameters:\n  COD: {unit: mg/L, A: 50, multiply: false}\n");
    StandardsCatalog withLocal = StandardsCatalog.load(dir);
    assertThat(withLocal.names()).contains("HN-LOCAL:2026", "QCVN 40:2011/BTNMT");
    assertThat(withLocal.get("HN-LOCAL:2026").parameters().get("COD").byColumn().get("A"))
        .isEqualTo(new Limit.Maximum(50));
  }

  @Test
  void badStandardFilesNameFileAndPath(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("bad.yaml"),
        "name: BAD\nkind: x\ncoefficients: none\ncolumns: {A: a}\nparameters:\n  pH: {unit: pH, A: [9, 6]}\n");
    assertThatThrownBy(() -> StandardsCatalog.load(dir))
        .hasMessageContaining("bad.yaml")
        .hasMessageContaining("parameters.pH.A");
    assertThatThrownBy(() -> CATALOG.get("QCVN 99"))
        .hasMessageContaining("unknown standard 'QCVN 99'")
        .hasMessageContaining("QCVN 40:2011/BTNMT");
  }
}

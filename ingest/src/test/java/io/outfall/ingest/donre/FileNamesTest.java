package io.outfall.ingest.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

class FileNamesTest {
  static final LocalDateTime T = LocalDateTime.of(2026, 11, 30, 10, 5, 0);

  @Test
  void theDefaultNameIsProvinceSiteStationAndLocalTime() {
    FileNames names = new FileNames(FileNames.DEFAULT, "HaNoi");
    assertThat(names.name("hn-phu-nghia", "PHUNGHIA-OUT", T))
        .isEqualTo("HaNoi_hn-phu-nghia_PHUNGHIA-OUT_20261130100500.txt");
  }

  @Test
  void aReceivedNameGivesItsStationAndTimeOnlyForThisProvinceAndSite() {
    FileNames names = new FileNames(FileNames.DEFAULT, "HaNoi");
    String name = "HaNoi_hn-phu-nghia_PHUNGHIA-OUT_20261130100500.txt";
    assertThat(names.parse(name, "hn-phu-nghia")).contains(new FileNames.Parsed("PHUNGHIA-OUT", T));
    assertThat(names.parse(name, "hn-van-phuc")).isEmpty();
    assertThat(names.parse("HaiPhong_hn-phu-nghia_PHUNGHIA-OUT_20261130100500.txt", "hn-phu-nghia"))
        .isEmpty();
    assertThat(names.parse("HaNoi_hn-phu-nghia_PHUNGHIA-OUT_20261131100500.txt", "hn-phu-nghia"))
        .as("31 November")
        .isEmpty();
    assertThat(names.parse("HaNoi_hn-phu-nghia_PHUNGHIA-OUT.txt", "hn-phu-nghia")).isEmpty();
  }

  @Test
  void aProvincesOwnPatternIsUsedBothWays() {
    FileNames names = new FileNames("{station}-{time}.TXT", "ignored");
    assertThat(names.name("s", "ST_1", T)).isEqualTo("ST_1-20261130100500.TXT");
    assertThat(names.parse("ST_1-20261130100500.TXT", "s"))
        .contains(new FileNames.Parsed("ST_1", T));
  }

  @Test
  void aPatternMustNameTheStationAndTimeOnceAndNoFolder() {
    assertThatThrownBy(() -> new FileNames("{site}_{time}.txt", "HN"))
        .hasMessageContaining("{station} must appear once");
    assertThatThrownBy(() -> new FileNames("{station}_{time}_{time}.txt", "HN"))
        .hasMessageContaining("{time} must appear once");
    assertThatThrownBy(() -> new FileNames("in/{station}_{time}.txt", "HN"))
        .hasMessageContaining("a name, not a path");
  }
}

package io.outfall.ingest.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.protocol.DeviceStatus;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class DonreFileTest {
  static final LocalDateTime T = LocalDateTime.of(2026, 11, 30, 10, 15, 0);
  final DonreFile utf8Lf = new DonreFile(StandardCharsets.UTF_8, "\n");

  @Test
  void aLineIsFiveTabSeparatedFieldsWithLocalTimeAndTwoDigitStatus() {
    byte[] file =
        utf8Lf.write(
            List.of(
                new DonreFile.Line("COD", 45.2, "mg/L", T, DeviceStatus.MEASURING),
                new DonreFile.Line("pH", 7.0, "pH", T.plusSeconds(7), DeviceStatus.CALIBRATING),
                new DonreFile.Line("Temp", 28.5, "°C", T, DeviceStatus.FAULT)));
    assertThat(new String(file, StandardCharsets.UTF_8))
        .isEqualTo(
            "COD\t45.2\tmg/L\t20261130101500\t00\n"
                + "pH\t7\tpH\t20261130101507\t01\n"
                + "Temp\t28.5\t°C\t20261130101500\t02\n");
  }

  @Test
  void valuesAreWrittenWithoutExponentAndReadBackToTheSameDouble() {
    for (double v : new double[] {0, 1e-7, 0.1 + 0.2, 1234567.891, 1e12, -3.5, 150}) {
      String text = DonreFile.value(v);
      assertThat(text).doesNotContain("E");
      assertThat(Double.parseDouble(text)).isEqualTo(v);
    }
    assertThat(DonreFile.value(150)).isEqualTo("150");
    assertThat(DonreFile.value(1e-7)).isEqualTo("0.0000001");
  }

  @Test
  void whatIsWrittenReadsBackTheSameWithEitherLineEnding() throws Exception {
    List<DonreFile.Line> lines =
        List.of(
            new DonreFile.Line("COD", 45.25, "mg/L", T, DeviceStatus.MEASURING),
            new DonreFile.Line("Flow", 12.5, "m3/h", T, DeviceStatus.FAULT));
    DonreFile crlf = new DonreFile(StandardCharsets.UTF_8, "\r\n");
    assertThat(new String(crlf.write(lines), StandardCharsets.UTF_8)).contains("00\r\nFlow");
    assertThat(crlf.read(crlf.write(lines))).isEqualTo(lines);
    assertThat(utf8Lf.read(crlf.write(lines))).isEqualTo(lines);
    assertThat(crlf.read(utf8Lf.write(lines))).isEqualTo(lines);
  }

  @Test
  void bytesThatAreNotTextInTheConfiguredEncodingMakeTheFileUnreadable() throws Exception {
    byte[] latin1 = "Temp\t28\t°C\t20261130101500\t00\n".getBytes(Charset.forName("ISO-8859-1"));
    assertThatThrownBy(() -> utf8Lf.read(latin1))
        .isInstanceOf(DonreFile.Unreadable.class)
        .hasMessageContaining("not UTF-8")
        .extracting(e -> ((DonreFile.Unreadable) e).reason())
        .isEqualTo("encoding");
    // the same bytes are fine when the province's files are Latin-1
    assertThat(new DonreFile(Charset.forName("ISO-8859-1"), "\n").read(latin1)).hasSize(1);
  }

  @Test
  void oneBadLineMakesTheWholeFileMalformedAndSaysWhichLine() {
    String good = "COD\t45\tmg/L\t20261130101500\t00\n";
    for (String[] bad :
        new String[][] {
          {"COD 45 mg/L 20261130101500 00\n", "5 tab-separated fields"},
          {"COD\tabc\tmg/L\t20261130101500\t00\n", "value 'abc'"},
          {"COD\tNaN\tmg/L\t20261130101500\t00\n", "not finite"},
          {"COD\t45\tmg/L\t2026-11-30 10:15\t00\n", "not yyyyMMddHHmmss"},
          {"COD\t45\tmg/L\t20261131101500\t00\n", "not yyyyMMddHHmmss"}, // 31 November
          {"COD\t45\tmg/L\t20261130101500\t3\n", "status '3'"},
          {"\t45\tmg/L\t20261130101500\t00\n", "no parameter"},
        }) {
      byte[] file = (good + bad[0]).getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> utf8Lf.read(file))
          .as(bad[0])
          .isInstanceOf(DonreFile.Unreadable.class)
          .hasMessageStartingWith("line 2: ")
          .hasMessageContaining(bad[1])
          .extracting(e -> ((DonreFile.Unreadable) e).reason())
          .isEqualTo("malformed");
    }
    assertThatThrownBy(() -> utf8Lf.read("\n\n".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("the file holds no line");
  }

  @Test
  void aByteOrderMarkAndBlankLinesAreTolerated() throws Exception {
    byte[] file = "\uFEFFCOD\t45\tmg/L\t20261130101500\t00\n\n".getBytes(StandardCharsets.UTF_8);
    assertThat(utf8Lf.read(file))
        .containsExactly(new DonreFile.Line("COD", 45, "mg/L", T, DeviceStatus.MEASURING));
  }
}

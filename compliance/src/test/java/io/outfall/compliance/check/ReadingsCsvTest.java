package io.outfall.compliance.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.protocol.DeviceStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadingsCsvTest {
  @TempDir Path dir;

  Path csv(String text) throws Exception {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void readsAnyColumnOrderAndSortsByTime() throws Exception {
    var r =
        ReadingsCsv.read(
            csv(
                "station,ts,parameter,unit,value,status\nS,2026-11-24T09:00:00+07:00,COD,mg/L,12.5,01\nS,2026-11-24T08:00:00+07:00,pH,-,7.1,00\n"));
    assertThat(r).hasSize(2);
    assertThat(r.get(0).parameter()).isEqualTo("pH");
    assertThat(r.get(0).timestampMs())
        .isEqualTo(Instant.parse("2026-11-24T01:00:00Z").toEpochMilli());
    assertThat(r.get(1).status()).isEqualTo(DeviceStatus.CALIBRATING);
  }

  @Test
  void badLinesAreNamed() throws Exception {
    String header = "ts,station,parameter,value,unit,status\n";
    assertThatThrownBy(() -> ReadingsCsv.read(csv(header + "2026-11-24 08:00,S,COD,1,mg/L,00\n")))
        .hasMessageContaining("line 2: ts '2026-11-24 08:00' is not ISO-8601 with an offset");
    assertThatThrownBy(
            () -> ReadingsCsv.read(csv(header + "2026-11-24T08:00:00Z,S,COD,abc,mg/L,00\n")))
        .hasMessageContaining("line 2: value 'abc' is not a number");
    assertThatThrownBy(
            () -> ReadingsCsv.read(csv(header + "2026-11-24T08:00:00Z,S,COD,1,mg/L,07\n")))
        .hasMessageContaining("status '07'");
    assertThatThrownBy(() -> ReadingsCsv.read(csv("time,station\n")))
        .hasMessageContaining("header must name ts,station,parameter,value,unit,status");
  }
}

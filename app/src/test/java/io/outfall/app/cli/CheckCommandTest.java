package io.outfall.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  Run run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    PrintStream o = System.out, e = System.err;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(new Main()).execute(args);
      return new Run(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(o);
      System.setErr(e);
    }
  }

  Path readings(double cod) throws Exception {
    StringBuilder sb = new StringBuilder("ts,station,parameter,value,unit,status\n");
    OffsetDateTime t = OffsetDateTime.parse("2026-11-01T08:00:00+07:00");
    for (int m = 0; m < 120; m++) {
      sb.append(t.plusMinutes(m))
          .append(",PHUNGHIA-OUT,COD,")
          .append(m < 60 ? cod : 90)
          .append(",mg/L,00\n");
      sb.append(t.plusMinutes(m)).append(",PHUNGHIA-OUT,pH,7.").append(m % 7).append(",pH,00\n");
    }
    Path f = dir.resolve("readings-" + cod + ".csv");
    Files.writeString(f, sb);
    return f;
  }

  Path permit() throws Exception {
    Path p = dir.resolve("permit.yaml");
    Files.writeString(
        p,
        "station: PHUNGHIA-OUT\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nreceiving: {type: river, flow_m3s: 30}\ndischarge_m3_per_day: 3000\nparameters: [COD, pH]\n");
    return p;
  }

  @Test
  void jsonReportNamesEachBreachWindowAndExitsThree() throws Exception {
    Run r =
        run("check", "--permit", permit().toString(), "--format", "json", readings(160).toString());
    assertThat(r.exit()).isEqualTo(3);
    JsonNode json = new ObjectMapper().readTree(r.out()); // stdout is JSON and nothing else
    assertThat(json.get("limits").get("COD").asDouble()).isEqualTo(135.0);
    assertThat(json.get("limits").get("pH").toString()).isEqualTo("[5.5,9.0]");
    JsonNode b = json.get("breaches").get(0);
    assertThat(b.get("station").asText()).isEqualTo("PHUNGHIA-OUT");
    assertThat(b.get("parameter").asText()).isEqualTo("COD");
    assertThat(b.get("start").asText()).isEqualTo("2026-11-01T01:00:00Z");
    assertThat(b.get("end").asText()).isEqualTo("2026-11-01T02:00:00Z");
    assertThat(b.get("value").asDouble()).isEqualTo(160.0);
    assertThat(b.get("limit").asDouble()).isEqualTo(135.0);
    assertThat(b.get("factor").asDouble()).isBetween(1.185, 1.186);
    assertThat(b.get("band").asText()).isEqualTo("2");
    assertThat(json.get("breaches")).hasSize(1);
    assertThat(json.has("warnings")).isTrue();
  }

  @Test
  void compliantDataExitsZeroAndWhatIfUnderAnotherColumnCanFail() throws Exception {
    assertThat(
            run(
                    "check",
                    "--permit",
                    permit().toString(),
                    "--format",
                    "json",
                    readings(120).toString())
                .exit())
        .isZero();
    Path strict = dir.resolve("strict.yaml");
    Files.writeString(
        strict,
        "station: PHUNGHIA-OUT\nstandard: QCVN 40:2011/BTNMT\ncolumn: A\nkq: 1\nkf: 1\nparameters: [COD]\n");
    assertThat(
            run(
                    "check",
                    "--permit",
                    strict.toString(),
                    "--format",
                    "json",
                    readings(120).toString())
                .exit())
        .isEqualTo(3);
  }

  @Test
  void aWhatIfUnderAnotherStandardThatPassesExitsZeroAndSaysWhichStandard() throws Exception {
    // the same readings, judged as domestic wastewater under QCVN 14:2008 column B with K 1.0:
    // only pH (5–9) of the monitored parameters is limited there, and 7.x passes
    Path domestic = dir.resolve("permit-14.yaml");
    Files.writeString(
        domestic,
        "station: PHUNGHIA-OUT\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nk: 1\nparameters: [pH]\n");
    Run r =
        run(
            "check",
            "--permit",
            domestic.toString(),
            "--standard",
            "QCVN 14:2008/BTNMT",
            "--format",
            "json",
            readings(160).toString());
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("standard").asText()).isEqualTo("QCVN 14:2008/BTNMT");
    assertThat(json.get("limits").get("pH").toString()).isEqualTo("[5.0,9.0]");
    assertThat(json.get("breaches")).isEmpty();
    // two hours of minute readings: every five-minute slot holds one
    JsonNode ph = json.get("completeness").get("pH");
    assertThat(ph.get("share").asDouble()).isEqualTo(1.0);
    assertThat(ph.get("expected_slots").asInt()).isEqualTo(24);
  }

  @Test
  void completenessFollowsTheSamplingPlanGiven() throws Exception {
    // minute readings, held to 15-minute slots: 8 of 8
    Run r =
        run(
            "check",
            "--permit",
            permit().toString(),
            "--sampling",
            "COD=15m,*=5m",
            "--format",
            "json",
            readings(100).toString());
    JsonNode c = new ObjectMapper().readTree(r.out()).get("completeness");
    assertThat(c.get("COD").get("slot_minutes").asInt()).isEqualTo(15);
    assertThat(c.get("COD").get("expected_slots").asInt()).isEqualTo(8);
    assertThat(c.get("pH").get("slot_minutes").asInt()).isEqualTo(5);
    assertThat(
            run(
                    "check",
                    "--permit",
                    permit().toString(),
                    "--sampling",
                    "7m",
                    readings(100).toString())
                .err())
        .contains("--sampling: from 5 minutes up an interval must be whole 5-minute steps");
  }

  @Test
  void badInputIsExitTwoWithTheReasonOnStderr() throws Exception {
    Run r =
        run(
            "check",
            "--permit",
            permit().toString(),
            "--standard",
            "QCVN 99:2030",
            readings(120).toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("unknown standard 'QCVN 99:2030'");
  }
}

package io.outfall.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code outfall config validate}: exit 0 for a configuration a gateway accepts, 1 naming the bad
 * field.
 */
class ConfigCommandTest {
  @TempDir Path dir;

  static final String DEVICE =
      "devices:\n  - {name: outlet, host: 127.0.0.1, port: 502, station: S, period: 10s,"
          + " points: [{parameter: COD, unit: mg/L, register: REG}]}\n";

  @Test
  void validConfigurationExitsZeroAndBadFieldIsNamed() throws Exception {
    Path good =
        Files.writeString(dir.resolve("good.yaml"), "version: t-1\n" + DEVICE.replace("REG", "4"));
    Path bad =
        Files.writeString(dir.resolve("bad.yaml"), "version: t-2\n" + DEVICE.replace("REG", "-1"));
    Path ids =
        Files.writeString(
            dir.resolve("ids.yaml"), "version: t-3\ngateway: gw-1\n" + DEVICE.replace("REG", "4"));
    assertThat(run(good)).isZero();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    try {
      assertThat(run(bad)).isEqualTo(1);
      assertThat(run(ids)).isEqualTo(1);
      assertThat(run(dir.resolve("missing.yaml"))).isEqualTo(2);
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString())
        .contains("devices[0].points[0].register")
        .contains("gateway/site: a deployed configuration leaves out the gateway's ids")
        .contains("cannot read it");
  }

  private static int run(Path file) {
    return new CommandLine(new Main()).execute("config", "validate", file.toString());
  }
}

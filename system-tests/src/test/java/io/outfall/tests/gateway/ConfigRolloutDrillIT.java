package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.app.drill.ConfigRolloutDrill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code outfall drill config-rollout} as shipped: 20 real gateways, a real broker and ingest; the
 * good rollout reaches all 20, the bad one halts on its canary of two and both are back on the good
 * version (one by itself, one sent back).
 */
class ConfigRolloutDrillIT {
  @Test
  void goodRolloutReachesTheFleetAndBadOneHaltsAndIsRolledBack() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(captured, true));
      exit = new CommandLine(new ConfigRolloutDrill()).execute();
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString();
    System.out.print(printed);
    String last = printed.strip().lines().reduce((a, b) -> b).orElse("");
    assertThat(last).isEqualTo("gateways=20 applied=20 rolled_back=2 halted=true");
    assertThat(printed)
        .contains("gw-01: rolled_back (reverted to drill-good-1 after the canary failed)")
        .contains("gw-02: rolled_back (device flowmeter: no answer")
        .contains("gateways running drill-good-1 afterwards: 20");
    assertThat(exit).isZero();
  }
}

package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.app.drill.GatewayOutageDrill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The gateway outage drill, shortened: broker down 12 s, the gateway process killed with SIGKILL in
 * the middle of it and restarted. It must end with nothing lost or duplicated.
 */
class GatewayOutageDrillIT {
  @Test
  void theDrillLosesNothing() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(captured, true));
      exit =
          new CommandLine(new GatewayOutageDrill())
              .execute("--before", "6", "--outage", "12", "--after", "4");
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString();
    System.out.print(printed);
    String last = printed.strip().lines().reduce((a, b) -> b).orElse("");
    assertThat(last).matches("sent=(\\d+) stored=\\1 duplicates=0 lost=0");
    assertThat(Long.parseLong(last.replaceAll("sent=(\\d+).*", "$1")))
        .as("the plant was polled throughout")
        .isGreaterThan(100);
    assertThat(exit).isZero();
  }
}

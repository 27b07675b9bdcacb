package io.outfall.gateway.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.outfall.protocol.Reading;
import io.outfall.protocol.config.GatewayConfig.Device;
import io.outfall.protocol.config.GatewayConfig.Serial;
import io.outfall.protocol.config.GatewayConfig.Table;
import io.outfall.protocol.config.GatewayConfig.Transport;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Modbus RTU on a serial line, through the real serial stack (jSerialComm, termios): socat joins
 * two pseudo-terminals as a null-modem cable, the simulator is the RTU slave on one end and the
 * gateway's poller the master on the other. Needs Debian's {@code socat}; CI installs it and sets
 * {@code OUTFALL_TEST_REQUIRE_SOCAT=true}, elsewhere the test is skipped when socat is missing.
 */
class SerialRtuTest {
  @Test
  void pollsAnRtuDeviceOnASerialLine() throws Exception {
    boolean socat =
        Stream.of(System.getenv("PATH").split(":"))
            .anyMatch(d -> Files.isExecutable(Path.of(d, "socat")));
    if (!socat && "true".equals(System.getenv("OUTFALL_TEST_REQUIRE_SOCAT")))
      throw new AssertionError("socat is required here (OUTFALL_TEST_REQUIRE_SOCAT=true)");
    assumeTrue(socat, "socat not installed: apt-get install socat");
    Path dir = Files.createTempDirectory("outfall-serial");
    Path plantEnd = dir.resolve("ttyPlant");
    Path gatewayEnd = dir.resolve("ttyGateway");
    Process cable =
        new ProcessBuilder(
                "socat", "pty,raw,echo=0,link=" + plantEnd, "pty,raw,echo=0,link=" + gatewayEnd)
            .redirectErrorStream(true)
            .start();
    try {
      for (int i = 0; i < 50 && !(Files.exists(plantEnd) && Files.exists(gatewayEnd)); i++)
        Thread.sleep(100);
      assertThat(gatewayEnd).exists();
      var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
      List<Reading> got = new ArrayList<>();
      // The pseudo-terminals themselves (/dev/pts/N), not socat's links to them. No parity: a
      // pseudo-terminal does not keep it (jSerialComm then refuses the settings).
      Serial line = new Serial(gatewayEnd.toRealPath().toString(), 19200, 8, "none", 1);
      Device base = SimulatorPollingTest.device(0, Transport.RTU, Table.INPUT);
      Device rtu =
          new Device(
              base.name(),
              Transport.RTU,
              null,
              0,
              line,
              1,
              base.station(),
              base.period(),
              Duration.ofSeconds(1),
              1,
              base.points());
      try (PlantSimulator plant =
              PlantSimulator.onSerialLine(
                  "SIM-OUT",
                  model,
                  DevicePoller.serialParameters(
                      new Serial(plantEnd.toRealPath().toString(), 19200, 8, "none", 1)));
          DevicePoller poller = new DevicePoller(rtu, got::addAll)) {
        poller.poll();
        poller.poll();
        assertThat(poller.consecutiveFailures()).as("%s", poller.lastError()).isZero();
        assertThat(got).hasSize(18);
        double ph =
            got.stream().filter(r -> r.parameter().equals("pH")).findFirst().orElseThrow().value();
        assertThat(ph).isBetween(5.0, 9.0);
      }
    } finally {
      cable.destroy();
    }
  }
}

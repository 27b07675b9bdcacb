package io.outfall.gateway.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.Reading;
import io.outfall.protocol.config.GatewayConfig.Device;
import io.outfall.protocol.config.GatewayConfig.Point;
import io.outfall.protocol.config.GatewayConfig.RegisterType;
import io.outfall.protocol.config.GatewayConfig.Table;
import io.outfall.protocol.config.GatewayConfig.Transport;
import io.outfall.protocol.config.GatewayConfig.WordOrder;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.FreePorts;
import io.outfall.simulator.PlantSimulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real Modbus TCP path: the plant simulator's slave, polled by the gateway's poller. */
class SimulatorPollingTest {
  static int freePort() throws Exception {
    return FreePorts.next();
  }

  static Device device(int port) {
    return device(port, Transport.TCP, Table.HOLDING);
  }

  /** The simulator's parameters from {@code table}, its status registers and energy meter. */
  static Device device(int port, Transport transport, Table table) {
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < EffluentModel.PARAMETERS.size(); i++)
      points.add(
          new Point(
              EffluentModel.PARAMETERS.get(i),
              "x",
              table,
              2 * i,
              RegisterType.FLOAT32,
              WordOrder.BIG,
              1,
              0,
              table == Table.HOLDING ? PlantSimulator.STATUS_BASE + i : -1));
    points.add(
        new Point(
            "energy",
            "kWh",
            Table.HOLDING,
            PlantSimulator.ENERGY_REGISTER,
            RegisterType.FLOAT32,
            WordOrder.BIG,
            1,
            0,
            -1));
    return new Device(
        "outlet",
        transport,
        "127.0.0.1",
        port,
        null,
        1,
        "SIM-OUT",
        Duration.ofSeconds(1),
        Duration.ofMillis(500),
        1,
        points);
  }

  @Test
  void pollsDecodedValuesAndStatusesFromTheSimulator() throws Exception {
    int port = freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
    List<Reading> got = new ArrayList<>();
    try (PlantSimulator sim = new PlantSimulator("SIM-OUT", model, port);
        DevicePoller poller = new DevicePoller(device(port), got::addAll)) {
      poller.poll();
      assertThat(got).hasSize(9);
      Reading cod = got.stream().filter(r -> r.parameter().equals("COD")).findFirst().orElseThrow();
      assertThat(cod.station()).isEqualTo("SIM-OUT");
      assertThat(cod.value()).isBetween(5.0, 400.0);
      Reading ph = got.stream().filter(r -> r.parameter().equals("pH")).findFirst().orElseThrow();
      assertThat(ph.value()).isBetween(5.0, 9.0);
      assertThat(poller.consecutiveFailures()).isZero();
    }
  }

  @Test
  void aDeviceThatStopsAnsweringComesBackByItself() throws Exception {
    int port = freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
    List<Reading> got = new ArrayList<>();
    try (DevicePoller poller = new DevicePoller(device(port), got::addAll)) {
      PlantSimulator sim = new PlantSimulator("SIM-OUT", model, port);
      poller.poll();
      sim.close(); // the analyzer goes away
      poller.poll();
      poller.poll();
      assertThat(poller.consecutiveFailures()).isEqualTo(2);
      assertThat(got).as("no readings invented while it was away").hasSize(9);
      try (PlantSimulator back = new PlantSimulator("SIM-OUT", model, port)) {
        poller.poll();
        assertThat(poller.consecutiveFailures()).isZero();
        assertThat(got).hasSize(18);
      }
    }
  }

  @Test
  void readsInputRegistersAndHoldingRegistersInOnePoll() throws Exception {
    int port = freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
    List<Reading> fromHolding = new ArrayList<>();
    List<Reading> fromInput = new ArrayList<>();
    try (PlantSimulator sim = new PlantSimulator("SIM-OUT", model, port);
        DevicePoller holding = new DevicePoller(device(port), fromHolding::addAll);
        DevicePoller input =
            new DevicePoller(device(port, Transport.TCP, Table.INPUT), fromInput::addAll)) {
      holding.poll();
      input.poll();
      assertThat(fromInput).hasSize(9);
      // The simulator mirrors its values into the input registers; both polls happened within
      // the same second of its model, or one refresh apart: compare pH, which moves slowly.
      double phHolding = value(fromHolding, "pH");
      double phInput = value(fromInput, "pH");
      assertThat(phInput).isBetween(5.0, 9.0);
      assertThat(Math.abs(phInput - phHolding)).isLessThan(0.5);
    }
  }

  @Test
  void pollsRtuFramesOverTcp() throws Exception {
    int port = freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
    List<Reading> got = new ArrayList<>();
    try (PlantSimulator sim = new PlantSimulator("SIM-OUT", model, port, true);
        DevicePoller rtu =
            new DevicePoller(device(port, Transport.RTU_OVER_TCP, Table.HOLDING), got::addAll)) {
      rtu.poll();
      assertThat(rtu.consecutiveFailures()).as("%s", rtu.lastError()).isZero();
      assertThat(got).hasSize(9);
      assertThat(value(got, "COD")).isBetween(5.0, 400.0);
    }
    // The same device polled with TCP framing gets no valid answer: the framing is really RTU.
    try (PlantSimulator sim = new PlantSimulator("SIM-OUT", model, port, true);
        DevicePoller tcp = new DevicePoller(device(port), got::addAll)) {
      tcp.poll();
      assertThat(tcp.consecutiveFailures()).isEqualTo(1);
    }
  }

  @Test
  void anAnalyzerThatTimesOutComesBackByItself() throws Exception {
    int port = freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 1);
    List<Reading> got = new ArrayList<>();
    try (DevicePoller poller = new DevicePoller(device(port), got::addAll)) {
      // A hung analyzer: it accepts the connection and never answers.
      try (ServerSocket hung = new ServerSocket(port)) {
        Thread accept =
            new Thread(
                () -> {
                  try {
                    while (true) hung.accept(); // holds connections open, says nothing
                  } catch (IOException closed) {
                    // the test is done with it
                  }
                });
        accept.setDaemon(true);
        accept.start();
        long t0 = System.nanoTime();
        poller.poll();
        poller.poll();
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(poller.consecutiveFailures()).isEqualTo(2);
        assertThat(poller.lastError()).containsIgnoringCase("timeout");
        // timeout 500 ms and 1 retry: two attempts, so each poll gives up after about a second
        // (j2mod's default of five attempts with back-off took 5.5 s before the retries applied)
        assertThat(tookMs).isBetween(1_900L, 4_000L);
      }
      try (PlantSimulator back = new PlantSimulator("SIM-OUT", model, port)) {
        poller.poll();
        assertThat(poller.consecutiveFailures()).isZero();
        assertThat(got).hasSize(9);
      }
    }
  }

  private static double value(List<Reading> readings, String parameter) {
    return readings.stream()
        .filter(r -> r.parameter().equals(parameter))
        .findFirst()
        .orElseThrow()
        .value();
  }
}

package io.outfall.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.gateway.MeterChanges.MeterChange;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeterChangesTest {
  @TempDir Path dir;

  GatewayConfig config() {
    return GatewayConfigYaml.parse(
        """
        version: "1"
        gateway: gw-1
        site: plant-1
        mqtt: {url: "tcp://127.0.0.1:1883"}
        buffer: {path: "%s"}
        devices:
          - name: outlet
            host: 127.0.0.1
            port: 5020
            station: OUT-1
            period: 10s
            points:
              - {parameter: COD, unit: mg/L, register: 10}
              - {parameter: energy, unit: kWh, register: 16, type: uint32}
        """
            .formatted(dir.resolve("buffer.db")));
  }

  static MeterChange energy(long atMs, double oldFinal) {
    return new MeterChange("OUT-1", "energy", atMs, oldFinal, 0, "replaced", atMs + 1);
  }

  @Test
  void aChangeIsKeptBesideTheBufferAndReadBack() {
    GatewayConfig c = config();
    assertThat(MeterChanges.read(c)).isEmpty();
    MeterChanges.record(c, energy(2_000, 1234.5));
    MeterChanges.record(c, energy(1_000, 999));
    assertThat(MeterChanges.file(c)).exists().hasParent(dir);
    // oldest first
    assertThat(MeterChanges.read(c)).extracting(MeterChange::atMs).containsExactly(1_000L, 2_000L);
  }

  @Test
  void theSameChangeRecordedAgainReplacesItNotAddsIt() {
    GatewayConfig c = config();
    MeterChanges.record(c, energy(1_000, 999));
    MeterChanges.record(c, energy(1_000, 1001)); // a typo corrected
    assertThat(MeterChanges.read(c))
        .singleElement()
        .extracting(MeterChange::oldFinal)
        .isEqualTo(1001.0);
  }

  @Test
  void onlyTheLastFiftyAreKept() {
    GatewayConfig c = config();
    for (int i = 1; i <= 60; i++) MeterChanges.record(c, energy(i * 1_000L, i));
    assertThat(MeterChanges.read(c)).hasSize(MeterChanges.KEPT);
    assertThat(MeterChanges.read(c).get(0).atMs()).isEqualTo(11_000L); // 1..10 gone
  }

  @Test
  void aStationOrParameterTheGatewayDoesNotReadIsRefused() {
    GatewayConfig c = config();
    assertThatThrownBy(
            () -> MeterChanges.record(c, new MeterChange("OTHER", "energy", 1, 1, 0, null, 1)))
        .hasMessage("no point of station OTHER reads energy in this gateway's configuration");
    assertThatThrownBy(
            () ->
                MeterChanges.record(c, new MeterChange("OUT-1", "chemical_dose", 1, 1, 0, null, 1)))
        .hasMessageContaining("reads chemical_dose");
    assertThatThrownBy(() -> MeterChanges.record(c, energy(1, -5))).hasMessageContaining(">= 0");
  }
}

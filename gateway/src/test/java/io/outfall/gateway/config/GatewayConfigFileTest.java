package io.outfall.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.gateway.config.GatewayConfig.RegisterType;
import io.outfall.gateway.config.GatewayConfig.WordOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigFileTest {
  static final String GOOD =
      """
      version: "2026-11-25.1"
      gateway: gw-phunghia
      site: hn-phu-nghia
      mqtt: {url: "tcp://127.0.0.1:1883", batch_max_readings: 200, batch_max_delay: 2s}
      buffer: {path: /tmp/b.db, max_readings: 100000}
      devices:
        - name: outlet
          host: 127.0.0.1
          port: 5020
          station: PHUNGHIA-OUT
          period: 10s
          points:
            - {parameter: COD, unit: mg/L, register: 10, status_register: 105}
            - {parameter: energy, unit: kWh, register: 16, type: uint32, word_order: little, scale: 0.1}
      """;

  @Test
  void readsAWholeConfigurationWithDefaults() {
    GatewayConfig c = GatewayConfigFile.parse(GOOD);
    assertThat(c.version()).isEqualTo("2026-11-25.1");
    assertThat(c.mqtt().batchMaxDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.mqtt().maxBatchesPerSecond()).isEqualTo(20);
    assertThat(c.buffer().fsyncEveryWrite()).isTrue();
    var d = c.devices().get(0);
    assertThat(d.unitId()).isEqualTo(1);
    assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.points().get(0).type()).isEqualTo(RegisterType.FLOAT32);
    assertThat(d.points().get(0).statusRegister()).isEqualTo(105);
    assertThat(d.points().get(1).wordOrder()).isEqualTo(WordOrder.LITTLE);
    assertThat(d.points().get(1).scale()).isEqualTo(0.1);
  }

  @Test
  void errorsNameThePathOfTheBadField() {
    assertThatThrownBy(
            () -> GatewayConfigFile.parse(GOOD.replace("register: 10,", "register: -3,")))
        .hasMessageStartingWith("devices[0].points[0].register: a whole number from 0 to");
    assertThatThrownBy(() -> GatewayConfigFile.parse(GOOD.replace("type: uint32", "type: double")))
        .hasMessage(
            "devices[0].points[1].type: one of [int16, uint16, int32, uint32, float32] is required, got 'double'");
    assertThatThrownBy(() -> GatewayConfigFile.parse(GOOD.replace("period: 10s", "period: often")))
        .hasMessageStartingWith("devices[0].period: a duration");
    assertThatThrownBy(() -> GatewayConfigFile.parse(GOOD.replace("gw-phunghia", "gw/phunghia")))
        .hasMessageStartingWith("gateway: letters, digits");
    assertThatThrownBy(
            () -> GatewayConfigFile.parse(GOOD.replace("    station: PHUNGHIA-OUT\n", "")))
        .hasMessage("devices[0].station: is required");
  }
}

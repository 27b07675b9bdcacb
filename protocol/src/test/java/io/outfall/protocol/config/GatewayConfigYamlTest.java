package io.outfall.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.protocol.config.GatewayConfig.RegisterType;
import io.outfall.protocol.config.GatewayConfig.WordOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigYamlTest {
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
    GatewayConfig c = GatewayConfigYaml.parse(GOOD);
    assertThat(c.version()).isEqualTo("2026-11-25.1");
    assertThat(c.mqtt().batchMaxDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.mqtt().maxBatchesPerSecond()).isEqualTo(100);
    assertThat(c.buffer().maxBytes()).isEqualTo(1L << 30);
    assertThat(c.remote().configKey()).isNull();
    assertThat(c.remote().applyGrace()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.buffer().fsyncEveryWrite()).isTrue();
    assertThat(c.buffer().maxAge()).as("the Circular's 60 days").isEqualTo(Duration.ofDays(60));
    var d = c.devices().get(0);
    assertThat(d.unitId()).isEqualTo(1);
    assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.points().get(0).type()).isEqualTo(RegisterType.FLOAT32);
    assertThat(d.points().get(0).statusRegister()).isEqualTo(105);
    assertThat(d.points().get(1).wordOrder()).isEqualTo(WordOrder.LITTLE);
    assertThat(d.points().get(1).scale()).isEqualTo(0.1);
  }

  @Test
  void durationsTakeHoursDaysAndIso8601() {
    GatewayConfig c =
        GatewayConfigYaml.parse(
            GOOD.replace("max_readings: 100000", "max_readings: 100000, max_age: 90d")
                .replace("period: 10s", "period: PT15S"));
    assertThat(c.buffer().maxAge()).isEqualTo(Duration.ofDays(90));
    assertThat(c.devices().get(0).period()).isEqualTo(Duration.ofSeconds(15));
    assertThat(
            GatewayConfigYaml.parse(
                    GOOD.replace("max_readings: 100000", "max_readings: 100000, max_age: 12h"))
                .buffer()
                .maxAge())
        .isEqualTo(Duration.ofHours(12));
  }

  @Test
  void errorsNameThePathOfTheBadField() {
    assertThatThrownBy(
            () -> GatewayConfigYaml.parse(GOOD.replace("register: 10,", "register: -3,")))
        .hasMessageStartingWith("devices[0].points[0].register: a whole number from 0 to");
    assertThatThrownBy(() -> GatewayConfigYaml.parse(GOOD.replace("type: uint32", "type: double")))
        .hasMessage(
            "devices[0].points[1].type: one of [int16, uint16, int32, uint32, float32] is required, got 'double'");
    assertThatThrownBy(() -> GatewayConfigYaml.parse(GOOD.replace("period: 10s", "period: often")))
        .hasMessageStartingWith("devices[0].period: a duration");
    assertThatThrownBy(() -> GatewayConfigYaml.parse(GOOD.replace("gw-phunghia", "gw/phunghia")))
        .hasMessageStartingWith("gateway: letters, digits");
    assertThatThrownBy(
            () -> GatewayConfigYaml.parse(GOOD.replace("    station: PHUNGHIA-OUT\n", "")))
        .hasMessage("devices[0].station: is required");
    assertThatThrownBy(
            () -> GatewayConfigYaml.parse(GOOD.replace("host: 127.0.0.1", "transport: rtu")))
        .hasMessage("devices[0].serial: a mapping is required for transport rtu");
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parse(
                    GOOD.replace("register: 10,", "register: 10, table: coil,")))
        .hasMessage("devices[0].points[0].table: one of [holding, input] is required, got 'coil'");
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parse(
                    GOOD.replace("max_readings: 100000", "max_bytes: 12 apples")))
        .hasMessageStartingWith("buffer.max_bytes: a size of at least 1MiB");
    assertThatThrownBy(
            () -> GatewayConfigYaml.parse(GOOD.replace("tcp://127.0.0.1:1883", "http://x")))
        .hasMessageStartingWith("mqtt.url: tcp://host:port or ssl://host:port is required");
  }

  @Test
  void readsRtuDevicesInputRegistersAndSizes() {
    GatewayConfig c =
        GatewayConfigYaml.parse(
            GOOD.replace(
                    "host: 127.0.0.1\n    port: 5020",
                    "transport: rtu\n    serial: {port: /dev/ttyUSB0, baud: 19200, parity: even}")
                .replace("register: 10,", "register: 10, table: input,")
                .replace("max_readings: 100000", "max_bytes: 512MiB"));
    var d = c.devices().get(0);
    assertThat(d.transport()).isEqualTo(GatewayConfig.Transport.RTU);
    assertThat(d.serial()).isEqualTo(new GatewayConfig.Serial("/dev/ttyUSB0", 19200, 8, "even", 1));
    assertThat(d.points().get(0).table()).isEqualTo(GatewayConfig.Table.INPUT);
    assertThat(d.points().get(1).table()).isEqualTo(GatewayConfig.Table.HOLDING);
    assertThat(c.buffer().maxBytes()).isEqualTo(512L << 20);
  }

  @Test
  void aRemoteConfigurationKeepsTheLinkAndBufferAndMayChangeDevices() {
    GatewayConfig running = GatewayConfigYaml.parse(GOOD);
    String remote =
        """
        version: "2026-11-25.2"
        mqtt: {batch_max_readings: 50}
        devices:
          - name: outlet
            host: 127.0.0.1
            port: 5021
            station: PHUNGHIA-OUT
            period: 5s
            points:
              - {parameter: COD, unit: mg/L, register: 10}
        """;
    GatewayConfig next = GatewayConfigYaml.parseRemote(remote, running);
    assertThat(next.version()).isEqualTo("2026-11-25.2");
    assertThat(next.gateway()).isEqualTo(running.gateway());
    assertThat(next.mqtt().url()).isEqualTo(running.mqtt().url());
    assertThat(next.mqtt().batchMaxReadings()).isEqualTo(50);
    assertThat(next.mqtt().batchMaxDelay()).isEqualTo(running.mqtt().batchMaxDelay());
    assertThat(next.buffer()).isEqualTo(running.buffer());
    assertThat(next.devices().get(0).port()).isEqualTo(5021);
    assertThat(next.devices().get(0).period()).isEqualTo(Duration.ofSeconds(5));

    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parseRemote(
                    remote.replace("{batch_max_readings: 50}", "{url: \"tcp://elsewhere:1883\"}"),
                    running))
        .hasMessageStartingWith("mqtt.url: cannot be changed remotely");
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parseRemote(
                    remote.replace("mqtt:", "buffer: {max_readings: 5000}\nmqtt:"), running))
        .hasMessageStartingWith("buffer: cannot be changed remotely");
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parseRemote(
                    remote.replace("mqtt:", "gateway: gw-other\nmqtt:"), running))
        .hasMessageStartingWith("gateway: cannot be changed remotely");
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parseRemote(remote.replace("period: 5s", "period: 0s"), running))
        .hasMessageStartingWith("devices[0].period: a duration");
  }

  @Test
  void theLocalFilePlacesDevicesOfAnyConfigurationOnThePlantsNetwork() {
    GatewayConfig running =
        GatewayConfigYaml.parse(
            GOOD
                + "remote: {device_addresses: {outlet: \"10.0.4.7:1502\", spare: \"pump:502\"}}\n");
    assertThat(running.devices().get(0).host()).isEqualTo("10.0.4.7");
    assertThat(running.devices().get(0).port()).isEqualTo(1502);
    String remote =
        """
        version: "2026-11-25.3"
        devices:
          - {name: outlet, host: 127.0.0.1, port: 5020, station: S, points: [{parameter: COD, unit: mg/L, register: 10}]}
          - {name: inlet, host: 127.0.0.1, port: 5020, station: S, points: [{parameter: pH, unit: pH, register: 20}]}
        """;
    GatewayConfig next = GatewayConfigYaml.parseRemote(remote, running);
    assertThat(next.devices().get(0).host() + ":" + next.devices().get(0).port())
        .isEqualTo("10.0.4.7:1502");
    assertThat(next.devices().get(1).host() + ":" + next.devices().get(1).port())
        .isEqualTo("127.0.0.1:5020");
    assertThat(next.remote().deviceAddresses()).isEqualTo(running.remote().deviceAddresses());
    assertThatThrownBy(
            () ->
                GatewayConfigYaml.parseRemote(
                    remote.replace(
                        "version:", "remote: {device_addresses: {inlet: \"x:1\"}}\nversion:"),
                    running))
        .hasMessageStartingWith("remote: cannot be changed remotely");
    assertThatThrownBy(
            () -> GatewayConfigYaml.parse(GOOD + "remote: {device_addresses: {outlet: nowhere}}\n"))
        .hasMessage("remote.device_addresses.outlet: host:port is required, got 'nowhere'");
  }
}

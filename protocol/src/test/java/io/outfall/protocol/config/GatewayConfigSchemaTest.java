package io.outfall.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The published schema (docs/schema/gateway-config.schema.json) and the gateway's parser agree:
 * both accept the good configurations and both refuse each bad one (the parser with the path of the
 * bad field).
 */
class GatewayConfigSchemaTest {
  static final Schema SCHEMA = load();

  static Schema load() {
    try {
      String text = Files.readString(Path.of("../docs/schema/gateway-config.schema.json"));
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(text, InputFormat.JSON);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static final String GOOD = GatewayConfigYamlTest.GOOD;

  @Test
  void goodConfigurationsPassBoth() {
    List<String> good =
        List.of(
            GOOD,
            GOOD.replace(
                    "host: 127.0.0.1\n    port: 5020",
                    "transport: rtu\n    serial: {port: /dev/ttyUSB0, parity: even}")
                .replace("register: 10,", "register: 10, table: input,")
                .replace("max_readings: 100000", "max_bytes: 512MiB, max_age: 60d"),
            GOOD.replace(
                    "tcp://127.0.0.1:1883\"",
                    "ssl://broker:8883\", ca_file: /etc/outfall/ca.pem, keep_alive: 20s")
                + "remote: {config_key: MCowBQYDK2VwAyEA, apply_grace: 90s,"
                + " device_addresses: {outlet: \"10.0.4.7:502\"}}\n");
    for (String yaml : good) {
      assertThat(SCHEMA.validate(yaml, InputFormat.YAML)).as(yaml).isEmpty();
      GatewayConfigYaml.parse(yaml);
    }
  }

  @Test
  void badConfigurationsFailBoth() {
    Map<String, String> bad =
        new HashMap<>(
            Map.of(
                "register: -3", GOOD.replace("register: 10,", "register: -3,"),
                "type: double", GOOD.replace("type: uint32", "type: double"),
                "misspelt period", GOOD.replace("period: 10s", "perod: 10s"),
                "bad gateway id", GOOD.replace("gw-phunghia", "gw/phunghia"),
                "no points", GOOD.substring(0, GOOD.indexOf("    points:")),
                "rtu without serial",
                    GOOD.replace("host: 127.0.0.1\n    port: 5020", "transport: rtu"),
                "http broker", GOOD.replace("tcp://127.0.0.1:1883", "http://broker"),
                "zero period", GOOD.replace("period: 10s", "period: 0s"),
                "tiny max_bytes", GOOD.replace("max_readings: 100000", "max_bytes: 1000"),
                "unknown top-level", GOOD + "extra: 1\n"));
    bad.put("address without port", GOOD + "remote: {device_addresses: {outlet: \"10.0.4.7\"}}\n");
    bad.forEach(
        (what, yaml) -> {
          assertThat(SCHEMA.validate(yaml, InputFormat.YAML)).as("schema, " + what).isNotEmpty();
          assertThatThrownBy(() -> GatewayConfigYaml.parse(yaml))
              .as("parser, " + what)
              .isInstanceOf(IllegalArgumentException.class);
        });
    assertThatThrownBy(() -> GatewayConfigYaml.parse(bad.get("misspelt period")))
        .hasMessageStartingWith("devices[0].perod: not a known field");
  }
}

package io.outfall.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example in docs/ stays loadable: every key in it is a real setting. */
class ExampleConfigTest {
  @Test
  void exampleConfigLoads() {
    Settings s =
        Settings.resolve(Path.of("..", "docs", "outfall.example.yaml"), Map.of(), Map.of());
    assertThat(s.get(Setting.MQTT_CLIENT_ID)).isEqualTo("outfall-ingest-1");
    assertThat(s.getInt(Setting.MQTT_RECEIVE_MAXIMUM)).isEqualTo(64);
    assertThat(s.get(Setting.DB_URL)).startsWith("jdbc:postgresql://");
  }
}

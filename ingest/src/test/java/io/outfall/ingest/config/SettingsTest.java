package io.outfall.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path dir;

  @Test
  void overridesBeatEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = dir.resolve("outfall.yaml");
    Files.writeString(
        file,
        "mqtt:\n  url: tcp://file:1883\n  receive-maximum: 10\nhttp:\n  port: 9000\ndb:\n  user: from-file\n");
    Settings s =
        Settings.resolve(
            file,
            Map.of("OUTFALL_MQTT_URL", "tcp://env:1883", "OUTFALL_HTTP_PORT", "9001"),
            Map.of(Setting.HTTP_PORT, "9002"));
    assertThat(s.getInt(Setting.HTTP_PORT)).isEqualTo(9002);
    assertThat(s.get(Setting.MQTT_URL)).isEqualTo("tcp://env:1883");
    assertThat(s.getInt(Setting.MQTT_RECEIVE_MAXIMUM)).isEqualTo(10);
    assertThat(s.get(Setting.DB_USER)).isEqualTo("from-file");
    assertThat(s.get(Setting.DB_POOL_SIZE)).isEqualTo(Setting.DB_POOL_SIZE.defaultValue());
  }

  @Test
  void everySettingHasAnEnvironmentVariable() {
    assertThat(Setting.MQTT_SESSION_EXPIRY_SECONDS.envName())
        .isEqualTo("OUTFALL_MQTT_SESSION_EXPIRY_SECONDS");
    assertThat(Setting.values())
        .allSatisfy(s -> assertThat(s.envName()).matches("OUTFALL_[A-Z0-9_]+"));
  }

  @Test
  void unknownKeysAndBadNumbersAreClearErrors() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "mqtt:\n  uri: tcp://typo:1883\n");
    assertThatThrownBy(() -> Settings.resolve(file, Map.of(), Map.of()))
        .hasMessageContaining("unknown setting 'mqtt.uri'");
    Settings s = Settings.resolve(null, Map.of("OUTFALL_HTTP_PORT", "eighty"), Map.of());
    assertThatThrownBy(() -> s.getInt(Setting.HTTP_PORT))
        .hasMessageContaining("http.port (OUTFALL_HTTP_PORT) must be a whole number, got 'eighty'");
  }
}

package io.outfall.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {
  @Test
  void buildsAndParsesEveryKind() throws Exception {
    for (Topics.Kind kind : Topics.Kind.values()) {
      String topic = Topics.topic("hn-phu-nghia", "gw_1", kind);
      assertThat(Topics.parse(topic)).isEqualTo(new Topics.Address("hn-phu-nghia", "gw_1", kind));
    }
    assertThat(Topics.readings("s", "g")).isEqualTo("outfall/v1/s/g/readings");
    assertThat(Topics.sharedReadings("outfall-ingest"))
        .isEqualTo("$share/outfall-ingest/outfall/v1/+/+/readings");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "outfall/v2/s/g/readings",
        "outfall/v1/s/readings",
        "outfall/v1/s/g/other",
        "outfall/v1/s+/g/readings",
        "outfall/v1//g/readings",
        "outfall/v1/s/g/readings/x",
        "x"
      })
  void refusesTopicsOutsideTheTree(String topic) {
    assertThatThrownBy(() -> Topics.parse(topic))
        .isInstanceOfSatisfying(
            PayloadException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.BAD_TOPIC));
  }

  @Test
  void refusesIdsWithMqttSpecialCharacters() {
    assertThatThrownBy(() -> Topics.readings("a/b", "g"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.readings("a", "#"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Topics.isValidId("x".repeat(65))).isFalse();
  }
}

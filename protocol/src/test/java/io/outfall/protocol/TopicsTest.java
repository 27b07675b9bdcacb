package io.outfall.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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

  @Property(tries = 5_000)
  void anIdIsWhatThePatternInTheProtocolDocumentSays(@ForAll("idLike") String id) {
    // docs/protocol.md: ids are [A-Za-z0-9_-]{1,64}; isValidId checks it without a regex
    assertThat(Topics.isValidId(id)).isEqualTo(id.matches("[A-Za-z0-9_-]{1,64}"));
  }

  @Provide
  Arbitrary<String> idLike() {
    // mostly id characters, so that both answers come up often, and the lengths around 64
    return Arbitraries.strings()
        .withChars("aZ09_-")
        .withCharRange('a', 'z')
        .withChars("/#+ .\u00e9\u0000")
        .ofMinLength(0)
        .ofMaxLength(66);
  }
}

package io.outfall.ingest.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BrokerAccountTest {
  private final BrokerAccount plantA = BrokerAccount.gateway("plant-a", "gw-1");
  private final BrokerAccount ingest = BrokerAccount.service("outfall-ingest");

  @Test
  void aGatewayMayConnectOnlyUnderItsOwnClientId() {
    assertThat(plantA.mayUseClientId("gateway-plant-a-gw-1")).isTrue();
    assertThat(plantA.mayUseClientId("gateway-plant-b-gw-1")).isFalse();
    assertThat(plantA.mayUseClientId("gateway-plant-a-gw-1-x")).isFalse();
    assertThat(plantA.mayUseClientId("outfall-ingest-host1")).isFalse();
    assertThat(plantA.mayUseClientId("")).isFalse();
  }

  @Test
  void aServiceMayConnectUnderItsNameOrItsNameAndAHyphen() {
    assertThat(ingest.mayUseClientId("outfall-ingest")).isTrue();
    assertThat(ingest.mayUseClientId("outfall-ingest-host1-fleet")).isTrue();
    assertThat(ingest.mayUseClientId("outfall-ingestor")).isFalse();
    assertThat(ingest.mayUseClientId("gateway-plant-a-gw-1")).isFalse();
  }

  @Test
  void noServiceNameCoversTheGatewaysClientIds() {
    assertThatThrownBy(() -> BrokerAccount.service("gateway"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may not begin with 'gateway'");
    assertThatThrownBy(() -> BrokerAccount.service("gateway-plant"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aGatewayPublishesOnlyOnItsOwnTopicsAndReadsOnlyItsOwnConfiguration() {
    assertThat(plantA.mayPublish("outfall/v1/plant-a/gw-1/readings")).isTrue();
    assertThat(plantA.mayPublish("outfall/v1/plant-a/gw-1/config/ack")).isTrue();
    assertThat(plantA.mayPublish("outfall/v1/plant-b/gw-1/readings")).isFalse();
    assertThat(plantA.mayPublish("outfall/v1/plant-a/gw-1/config")).isFalse();
    assertThat(plantA.maySubscribe("outfall/v1/plant-a/gw-1/config")).isTrue();
    assertThat(plantA.maySubscribe("outfall/v1/plant-b/gw-1/config")).isFalse();
    // a wildcard that would match its own topic also matches others': refused as a whole
    assertThat(plantA.maySubscribe("outfall/v1/+/+/config")).isFalse();
    assertThat(plantA.maySubscribe("outfall/v1/plant-a/gw-1/#")).isFalse();
    assertThat(plantA.maySubscribe("#")).isFalse();
  }

  @Test
  void aServiceHasTheWholeTreeSharedSubscriptionsIncluded() {
    assertThat(ingest.mayPublish("outfall/v1/plant-a/gw-1/config")).isTrue();
    assertThat(ingest.maySubscribe("outfall/v1/+/+/readings")).isTrue();
    assertThat(ingest.maySubscribe("$share/outfall-ingest/outfall/v1/+/+/readings")).isTrue();
    assertThat(ingest.maySubscribe("outfall/v1")).isTrue(); // "a/#" matches "a" too (MQTT 4.7.1.2)
    assertThat(ingest.maySubscribe("$share/outfall-ingest/#")).isFalse();
    assertThat(ingest.maySubscribe("$SYS/#")).isFalse();
    assertThat(ingest.maySubscribe("$SYS/broker/log/N")).as("Mosquitto's log lines").isTrue();
    assertThat(plantA.maySubscribe("$SYS/broker/log/N")).isFalse();
    assertThat(ingest.mayPublish("elsewhere/x")).isFalse();
  }

  @Test
  void aGatewaysUserNameGivesBackItsAccount() {
    assertThat(BrokerAccount.of(BrokerAccount.Role.GATEWAY, "plant-a/gw-1")).isEqualTo(plantA);
    assertThat(BrokerAccount.of(BrokerAccount.Role.SERVICE, "outfall-ingest")).isEqualTo(ingest);
  }
}

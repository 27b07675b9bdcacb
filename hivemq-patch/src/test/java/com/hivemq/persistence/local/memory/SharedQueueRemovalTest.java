package com.hivemq.persistence.local.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.google.common.primitives.ImmutableIntArray;
import com.hivemq.configuration.service.MqttConfigurationService.QueuedMessagesStrategy;
import com.hivemq.metrics.HiveMQMetrics;
import com.hivemq.mqtt.message.QoS;
import com.hivemq.mqtt.message.dropping.MessageDroppedService;
import com.hivemq.mqtt.message.publish.PUBLISH;
import com.hivemq.mqtt.message.publish.PUBLISHFactory;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The patched {@code removeShared}: an acknowledged message leaves a shared subscription's queue,
 * and the search ends at it. Built as HiveMQ's own test of the class builds it.
 */
class SharedQueueRemovalTest {
  private static final String GROUP = "outfall/readings/#";
  private final MetricRegistry metrics = new MetricRegistry();
  private final ClientQueueMemoryLocalPersistence queue =
      new ClientQueueMemoryLocalPersistence(new NothingDropped(), metrics);

  @Test
  void anAcknowledgedMessageLeavesTheQueueAndTheOthersKeepTheirOrder() {
    IntStream.range(0, 1_000)
        .forEach(i -> queue.add(GROUP, true, publish(i), 1_000_000, DISCARD, false, 0));

    queue.removeShared(GROUP, "hivemq1_pub_500", 0);

    assertThat(queue.size(GROUP, true, 0)).isEqualTo(999);
    List<String> left = readAll(999).stream().map(PUBLISH::getUniqueId).toList();
    assertThat(left).doesNotContain("hivemq1_pub_500").hasSize(999);
    assertThat(left.get(499)).isEqualTo("hivemq1_pub_499");
    assertThat(left.get(500)).isEqualTo("hivemq1_pub_501");
  }

  @Test
  void theQueuesMemoryFallsByTheRemovedMessageOnly() {
    queue.add(GROUP, true, publish(1), 100, DISCARD, false, 0);
    long one = memory();
    queue.add(GROUP, true, publish(2), 100, DISCARD, false, 0);
    assertThat(memory()).isEqualTo(2 * one);

    queue.removeShared(GROUP, "hivemq1_pub_2", 0);

    assertThat(memory()).isEqualTo(one);
  }

  @Test
  void theSearchEndsAtTheFirstMessageWithTheId() {
    // How the patch shows without a clock: HiveMQ's loop went on to the end of the queue and so
    // also removed a second entry with the same id; the patched one stops at the first. (A publish
    // is queued once per shared subscription, so in the broker the two loops remove the same
    // message; one of them stops 0 entries later, the other walks the rest of the queue.)
    queue.add(GROUP, true, publish(7), 100, DISCARD, false, 0);
    queue.add(GROUP, true, publish(8), 100, DISCARD, false, 0);
    queue.add(GROUP, true, publish(7), 100, DISCARD, false, 0);

    queue.removeShared(GROUP, "hivemq1_pub_7", 0);

    assertThat(readAll(2).stream().map(PUBLISH::getUniqueId))
        .containsExactly("hivemq1_pub_8", "hivemq1_pub_7");
  }

  @Test
  void anUnknownIdOrQueueChangesNothing() {
    queue.add(GROUP, true, publish(1), 100, DISCARD, false, 0);
    queue.removeShared(GROUP, "hivemq1_pub_9", 0);
    queue.removeShared("another/group", "hivemq1_pub_1", 0);
    assertThat(queue.size(GROUP, true, 0)).isEqualTo(1);
  }

  private static final QueuedMessagesStrategy DISCARD = QueuedMessagesStrategy.DISCARD;

  /** The queued messages from the front, each given a packet id as the broker does on sending. */
  private List<PUBLISH> readAll(int n) {
    int[] ids = IntStream.rangeClosed(1, n).toArray();
    return queue.readNew(GROUP, true, ImmutableIntArray.copyOf(ids), Long.MAX_VALUE, 0);
  }

  @SuppressWarnings("unchecked")
  private long memory() {
    return ((Gauge<Long>)
            metrics
                .getGauges()
                .get(HiveMQMetrics.QUEUED_MESSAGES_MEMORY_PERSISTENCE_TOTAL_SIZE.name()))
        .getValue();
  }

  /** A QoS 1 publish whose unique id is {@code hivemq1_pub_<n>}. */
  private static PUBLISH publish(int n) {
    return new PUBLISHFactory.Mqtt5Builder()
        .withQoS(QoS.AT_LEAST_ONCE)
        .withOnwardQos(QoS.AT_LEAST_ONCE)
        .withTopic("outfall/readings/site/gw")
        .withPayload(new byte[] {1, 2, 3})
        .withHivemqId("hivemq1")
        .withPublishId(n)
        .build();
  }

  /** Nothing is dropped in these tests; a drop would fail them by size. */
  private static final class NothingDropped implements MessageDroppedService {
    @Override
    public void qos0MemoryExceeded(
        String clientId, String topic, int qos, long current, long max) {}

    @Override
    public void queueFull(String clientId, String topic, int qos) {}

    @Override
    public void qos0MemoryExceededShared(
        String clientId, String topic, int qos, long current, long max) {}

    @Override
    public void queueFullShared(String sharedId, String topic, int qos) {}

    @Override
    public void notWritable(String clientId, String topic, int qos) {}

    @Override
    public void extensionPrevented(String clientId, String topic, int qos) {}

    @Override
    public void failed(String clientId, String topic, int qos) {}

    @Override
    public void publishMaxPacketSizeExceeded(
        String clientId, String topic, int qos, long maximumPacketSize, long packetSize) {}

    @Override
    public void messageMaxPacketSizeExceeded(
        String clientId, String messageType, long maximumPacketSize, long packetSize) {}

    @Override
    public void failedShared(String group, String topic, int qos) {}
  }
}

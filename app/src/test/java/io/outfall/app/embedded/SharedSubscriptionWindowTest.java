package io.outfall.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the embedded broker hands a shared subscription's messages to a subscriber that acknowledges
 * late, as the ingest does (after its commit): Outfall's patch of HiveMQ CE keeps a sliding window
 * of up to 50 messages in flight. HiveMQ's own sends nothing new while any message is
 * unacknowledged, so the first two tests fail on it with 1 (or the few that were queued before its
 * first poll) of the messages delivered.
 */
class SharedSubscriptionWindowTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static final int WINDOW = 50; // HiveMQ's poll limit for a receive maximum of 50 or more

  private static ScratchDirectory scratch;
  private static EmbeddedBroker broker;
  private final List<MqttClient> clients = new ArrayList<>();

  /** Each test its own topics and so its own shared queue on the one broker. */
  private final String readings = "plant" + TESTS.incrementAndGet() + "/readings/";

  @BeforeAll
  static void startBroker() throws Exception {
    scratch = ScratchDirectory.create("outfall-shared-window-test");
    broker = EmbeddedBroker.start(scratch.resolve("broker"), EmbeddedBroker.freePort(), false);
  }

  @AfterEach
  void disconnect() throws Exception {
    // clean sessions: the next test starts with nothing queued or in flight
    for (var c : clients) if (c.isConnected()) c.disconnect();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.close();
    scratch.close();
  }

  @Test
  void aSubscriberGetsNewMessagesWhileEarlierOnesAwaitItsAcknowledgement() throws Exception {
    var subscriber = subscriber("ingest-1");
    var publisher = client("gateway");

    for (int i = 0; i < 20; i++) publish(publisher, readings + "st" + i, "m" + i);

    // none acknowledged yet: all 20 are out (HiveMQ's own: 1)
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(subscriber.arrived).hasSize(20));
    subscriber.acknowledgeAll();
  }

  @Test
  void theWindowHoldsFiftyAndEachAcknowledgementLetsOneMoreThrough() throws Exception {
    var subscriber = subscriber("ingest-1");
    var publisher = client("gateway");

    for (int i = 0; i < 80; i++) publish(publisher, readings + "st", "m" + i);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(subscriber.arrived).hasSize(WINDOW));
    Thread.sleep(500); // a window that leaked would have let more through by now
    assertThat(subscriber.arrived).hasSize(WINDOW);

    subscriber.acknowledge(10); // 50 out, 10 done: room for 10 more
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(subscriber.arrived).hasSize(WINDOW + 10));
    Thread.sleep(500);
    assertThat(subscriber.arrived).hasSize(WINDOW + 10);

    subscriber
        .acknowledgeAll(); // room for 50: the last 20 follow, in the order they were published
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(subscriber.arrived).hasSize(80));
    assertThat(subscriber.payloads()).containsExactlyElementsOf(range("m", 80));
  }

  @Test
  void twoSubscribersAcknowledgingLateLoseNothingAndGetNothingTwice() throws Exception {
    // two ingest instances on one shared subscription, each acknowledging 0-20 ms after arrival
    // (a commit), from a thread of their own
    var first = subscriber("ingest-1");
    var second = subscriber("ingest-2");
    ScheduledExecutorService committer = Executors.newScheduledThreadPool(2);
    try {
      first.acknowledgeLate(committer);
      second.acknowledgeLate(committer);
      var publisher = client("gateway");
      int sent = 3_000;
      for (int i = 0; i < sent; i++) publish(publisher, readings + "st" + (i % 7), "m" + i);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(first.acknowledged.get() + second.acknowledged.get())
                      .as("acknowledged")
                      .isEqualTo(sent));
      Thread.sleep(500); // a duplicate would arrive after the acknowledgement it repeats
      Map<String, Integer> times = new ConcurrentHashMap<>();
      first.payloads().forEach(p -> times.merge(p, 1, Integer::sum));
      second.payloads().forEach(p -> times.merge(p, 1, Integer::sum));
      assertThat(times).as("every message arrived").hasSize(sent);
      assertThat(times.values()).as("none arrived twice").containsOnly(1);
      assertThat(first.arrived).as("both subscribers took a share").isNotEmpty();
      assertThat(second.arrived).isNotEmpty();
    } finally {
      committer.shutdownNow();
    }
  }

  /** One message as it arrived at a subscriber: its packet id (for the PUBACK) and payload. */
  private record Arrival(int id, String payload) {}

  /** A subscriber that acknowledges when the test says so. */
  private final class Subscriber implements MqttCallback {
    final MqttClient client;
    final List<Arrival> arrived = new CopyOnWriteArrayList<>();
    final AtomicInteger acknowledged = new AtomicInteger();
    private volatile ScheduledExecutorService lateAcks;

    Subscriber(MqttClient client) {
      this.client = client;
    }

    List<String> payloads() {
      return arrived.stream().map(Arrival::payload).toList();
    }

    void acknowledge(int count) throws MqttException {
      for (int i = acknowledged.get(), end = i + count; i < end; i++) ack(arrived.get(i));
    }

    void acknowledgeAll() throws MqttException {
      while (acknowledged.get() < arrived.size()) ack(arrived.get(acknowledged.get()));
    }

    void acknowledgeLate(ScheduledExecutorService executor) {
      lateAcks = executor;
    }

    private void ack(Arrival a) throws MqttException {
      client.messageArrivedComplete(a.id(), 1);
      acknowledged.incrementAndGet();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      var a =
          new Arrival(message.getId(), new String(message.getPayload(), StandardCharsets.UTF_8));
      arrived.add(a);
      var executor = lateAcks;
      if (executor != null)
        executor.schedule(
            () -> {
              try {
                ack(a);
              } catch (MqttException e) {
                throw new IllegalStateException(e);
              }
            },
            ThreadLocalRandom.current().nextInt(21),
            TimeUnit.MILLISECONDS);
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {}

    @Override
    public void mqttErrorOccurred(MqttException exception) {}

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }

  private Subscriber subscriber(String id) throws MqttException {
    var c = new MqttClient(broker.url(), id, new MemoryPersistence());
    clients.add(c);
    var s = new Subscriber(c);
    c.setCallback(s);
    c.setManualAcks(true);
    var o = new MqttConnectionOptions();
    o.setReceiveMaximum(64); // the ingest's default (mqtt.receive-maximum)
    c.connect(o);
    c.subscribe("$share/ingest/" + readings + "#", 1);
    return s;
  }

  private MqttClient client(String id) throws MqttException {
    var c = new MqttClient(broker.url(), id, new MemoryPersistence());
    clients.add(c);
    c.connect();
    return c;
  }

  private static void publish(MqttClient publisher, String topic, String payload)
      throws MqttException {
    publisher.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
  }

  private static List<String> range(String prefix, int n) {
    var all = new ArrayList<String>(n);
    for (int i = 0; i < n; i++) all.add(prefix + i);
    return all;
  }
}

package io.outfall.ingest.intake;

import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT side of ingest: a Paho v5 client in a persistent session on the shared readings
 * subscription, with manual acknowledgements. Knows nothing of payloads; hands each message to the
 * sink as a {@link Delivery} whose acknowledgement sends the PUBACK.
 *
 * <p>Three MQTT features carry the guarantees:
 *
 * <ul>
 *   <li>a session that outlives the connection (clean start off, session expiry), so the broker
 *       queues readings while this ingest is down and redelivers what it never acknowledged;
 *   <li>manual acks, so a PUBACK leaves only after the readings are committed;
 *   <li>the receive maximum, so the broker never has more than that many unacknowledged messages
 *       out to us: the bound on memory and the source of backpressure.
 * </ul>
 */
public final class MqttIntake implements MqttCallback, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MqttIntake.class);

  /** How to reach the broker. */
  public record Options(
      String url,
      String clientId,
      String username,
      String password,
      String sharedGroup,
      long sessionExpirySeconds,
      int receiveMaximum) {}

  private final Options options;
  private final Consumer<Delivery> sink;
  private final MqttAsyncClient client;

  /**
   * Bumped on every (re)connect. An acknowledgement is sent only on the connection that received
   * the message: after a reconnect the broker redelivers unacknowledged messages under the same
   * packet ids, and a late ack from the old connection could otherwise acknowledge a different
   * message.
   */
  private final AtomicInteger connection = new AtomicInteger();

  private volatile boolean closing;

  public MqttIntake(Options options, Consumer<Delivery> sink) throws MqttException {
    this.options = options;
    this.sink = sink;
    this.client = new MqttAsyncClient(options.url(), options.clientId(), new MemoryPersistence());
    client.setManualAcks(true);
    client.setCallback(this);
  }

  /**
   * Connects, retrying until the broker answers (blocks meanwhile), and subscribes; from then on
   * Paho reconnects by itself and {@link #connectComplete} subscribes again.
   */
  public void start() throws InterruptedException {
    if (!MqttConnect.receivesInBulk())
      log.warn(
          "Paho's own CountingInputStream is first on the class path: every received message is"
              + " parsed byte by byte (put outfall-protocol before Paho's jar)");
    MqttConnectionOptions o =
        MqttConnect.options(options.url(), options.username(), options.password());
    o.setCleanStart(false);
    o.setSessionExpiryInterval(options.sessionExpirySeconds());
    o.setReceiveMaximum(options.receiveMaximum());
    o.setKeepAliveInterval(20);
    MqttConnect.untilConnected(client, o, () -> closing);
  }

  public boolean connected() {
    return client.isConnected();
  }

  public String url() {
    return options.url();
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    int epoch = connection.incrementAndGet();
    log.info(
        "{} broker {} (connection {})",
        reconnect ? "reconnected to" : "connected to",
        serverURI,
        epoch);
    try {
      // Subscribing again on a resumed session is harmless and covers a session the broker lost.
      client.subscribe(Topics.sharedReadings(options.sharedGroup()), 1);
    } catch (MqttException e) {
      log.error("subscribe failed: {}", e.getMessage());
    }
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) throws Exception {
    if (closing) {
      return; // not acknowledged: the broker redelivers it to us or another ingest
    }
    int epoch = connection.get();
    int id = message.getId();
    int qos = message.getQos();
    MqttProperties props = message.getProperties();
    String contentType = props == null ? null : props.getContentType();
    sink.accept(new Delivery(topic, message.getPayload(), contentType, () -> ack(epoch, id, qos)));
  }

  private void ack(int epoch, int id, int qos) {
    if (qos == 0 || epoch != connection.get()) {
      return;
    }
    try {
      client.messageArrivedComplete(id, qos);
    } catch (MqttException e) {
      // The connection dropped after the commit: the broker redelivers and storage is idempotent.
      log.debug("ack of message {} not sent: {}", id, e.getMessage());
    }
  }

  @Override
  public void disconnected(MqttDisconnectResponse response) {
    if (!closing) {
      log.warn(
          "lost the broker: {}",
          response.getReasonString() != null
              ? response.getReasonString()
              : response.getException());
    }
  }

  @Override
  public void mqttErrorOccurred(MqttException exception) {
    log.warn("mqtt error: {}", exception.getMessage());
  }

  @Override
  public void deliveryComplete(IMqttToken token) {}

  @Override
  public void authPacketArrived(int reasonCode, MqttProperties properties) {}

  /** Stops passing on messages; unacknowledged ones stay with the broker. */
  public void pause() {
    closing = true;
  }

  @Override
  public void close() {
    closing = true;
    try {
      if (client.isConnected()) {
        client.disconnect(2_000).waitForCompletion(3_000);
      }
    } catch (MqttException e) {
      log.debug("disconnect: {}", e.getMessage());
    }
    try {
      client.close(true);
    } catch (MqttException e) {
      log.debug("close: {}", e.getMessage());
    }
  }
}

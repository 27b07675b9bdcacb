package io.outfall.gateway.uplink;

import io.outfall.gateway.buffer.ReadingBuffer;
import io.outfall.gateway.buffer.ReadingBuffer.Buffered;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.protocol.transport.TrustedCa;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the buffer holds, one QoS 1 batch at a time, and deletes a batch's readings only once
 * the broker acknowledged it. A batch whose acknowledgement never came (the link dropped with it in
 * flight) is still in the buffer and goes again, with the same readings; the server's storage is
 * idempotent, so a resend is harmless and nothing is lost.
 *
 * <p>Live readings and the backlog are two ranges of the buffer, split where the buffer stood when
 * the link came up. Live readings go as soon as their batch is due (full, or its oldest reading
 * waited {@code batch_max_delay}); the backlog goes oldest first in full batches, at most {@code
 * max_batches_per_second}, in the gaps. So operators see the plant now while the outage is filled
 * in behind, and a drain neither floods the broker nor starves live data.
 *
 * <p>Announces itself with a retained birth message on its status topic, refreshes it with the
 * buffer's figures, and leaves a retained last will there, so the server sees a gateway that
 * vanished. Subscribes to the gateway's retained config topic and publishes config acknowledgements
 * (retained, so the server sees the last outcome even if it was away).
 */
public final class Uplink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Uplink.class);
  private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

  /** What the uplink asks of the gateway it serves. */
  public interface Host {
    /** The status message: {@code state} is online or offline, plus the gateway's figures. */
    byte[] status(String state);

    /** A message arrived on the config topic (on Paho's thread: hand it off, do not block). */
    void configArrived(byte[] payload);
  }

  private final ReadingBuffer buffer;
  private final Host host;
  private final MqttAsyncClient client;
  private final ReadingsCodec codec = new ReadingsCodec();
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private final String statusTopic;
  private final String configTopic;
  private final String ackTopic;
  private volatile GatewayConfig config;
  private volatile boolean running = true;
  private volatile long liveFrom = 1;
  private volatile byte[] lastAck;
  private volatile long readingsSent;
  private volatile long backlogSent;
  private volatile long unacknowledged;
  private volatile long lastPublishMs;

  public Uplink(GatewayConfig config, ReadingBuffer buffer, Host host) throws Exception {
    this.config = config;
    this.buffer = buffer;
    this.host = host;
    this.statusTopic = Topics.topic(config.site(), config.gateway(), Topics.Kind.STATUS);
    this.configTopic = Topics.topic(config.site(), config.gateway(), Topics.Kind.CONFIG);
    this.ackTopic = Topics.topic(config.site(), config.gateway(), Topics.Kind.CONFIG_ACK);
    this.client =
        new MqttAsyncClient(
            config.mqtt().url(),
            MqttConnect.gatewayClientId(config.site(), config.gateway()),
            new MemoryPersistence());
    this.thread = new Thread(this::run, "uplink-" + config.gateway());
    thread.setDaemon(true);
  }

  public void start() throws Exception {
    GatewayConfig.Mqtt m = config.mqtt();
    MqttConnectionOptions o =
        MqttConnect.options(
            m.url(),
            m.username(),
            m.password(),
            m.caFile() == null && m.clientKeystore() == null
                ? null // ssl:// with the JVM's trust store
                : tls(m));
    o.setKeepAliveInterval((int) m.keepAlive().toSeconds());
    // the clean session MqttConnect gives is right: the buffer is the session, unacknowledged
    // batches are resent from it
    MqttMessage will = new MqttMessage(host.status("offline"));
    will.setQos(1);
    will.setRetained(true);
    o.setWill(statusTopic, will);
    client.setCallback(new BirthOnConnect(this));
    // Offline at start is normal at a plant: it keeps trying in the background; the buffer fills.
    MqttConnect.nowOrInBackground(client, o, () -> !running);
    thread.start();
  }

  private static SSLSocketFactory tls(GatewayConfig.Mqtt m) throws Exception {
    try {
      return TrustedCa.socketFactory(m.caFile(), m.clientKeystore(), m.clientKeystorePassword());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("mqtt.ca_file: " + e.getMessage());
    }
  }

  /**
   * Called on every (re)connection: what is buffered now is the backlog; birth message, config
   * subscription (a clean session forgets it) and the last config acknowledgement go out again.
   */
  void connected(boolean reconnect) throws Exception {
    liveFrom = buffer.lastId() + 1;
    log.info(
        "uplink: connected{}; {} readings of backlog", reconnect ? " again" : "", buffer.depth());
    publishRetained(statusTopic, host.status("online"));
    client.subscribe(configTopic, 1);
    byte[] ack = lastAck;
    if (ack != null) publishRetained(ackTopic, ack);
    wakeUp();
  }

  void messageArrived(String topic, MqttMessage message) {
    if (topic.equals(configTopic)) host.configArrived(message.getPayload());
  }

  /** Publishes the gateway's status now (retained); quietly skipped while offline. */
  public void publishStatus() {
    if (!client.isConnected()) return;
    try {
      publishRetained(statusTopic, host.status("online"));
    } catch (Exception e) {
      log.debug("uplink: status not published: {}", e.toString());
    }
  }

  /** Publishes a config acknowledgement now if connected, and again after every reconnection. */
  public void acknowledge(byte[] ack) {
    lastAck = ack;
    if (!client.isConnected()) return;
    try {
      publishRetained(ackTopic, ack);
    } catch (Exception e) {
      log.warn("uplink: config acknowledgement waits for the reconnection: {}", e.toString());
    }
  }

  private void publishRetained(String topic, byte[] payload) throws Exception {
    MqttMessage m = new MqttMessage(payload);
    m.setQos(1);
    m.setRetained(true);
    client.publish(topic, m);
  }

  /** Batching and drain rate may change with a remote configuration; the link itself may not. */
  public void reconfigure(GatewayConfig next) {
    this.config = next;
    wakeUp();
  }

  /** New readings are in the buffer. */
  public void wakeUp() {
    wake.release();
  }

  private void run() {
    long nextBacklogAt = 0;
    while (running) {
      try {
        long waitMs = 200;
        while (running && client.isConnected()) {
          GatewayConfig c = config;
          int size = c.mqtt().batchMaxReadings();
          boolean sent = false;
          List<Buffered> live = buffer.oldest(size, liveFrom, Long.MAX_VALUE);
          if (!live.isEmpty() && due(live, c)) {
            if (!send(live, false)) break;
            sent = true;
          }
          long now = System.nanoTime();
          if (now - nextBacklogAt >= 0) {
            List<Buffered> backlog = buffer.oldest(size, 1, liveFrom - 1);
            if (!backlog.isEmpty()) {
              nextBacklogAt = now + TimeUnit.SECONDS.toNanos(1) / c.mqtt().maxBatchesPerSecond();
              if (!send(backlog, true)) break;
              sent = true;
            } else {
              liveFrom = 1; // the backlog is gone: one range again
            }
          } else if (!sent) {
            waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextBacklogAt - now));
            break;
          }
          if (!sent) break;
        }
        wake.tryAcquire(waitMs, TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        log.warn("uplink: {}", e.toString());
        sleep(1_000);
      }
    }
  }

  /** A full batch goes at once; a partial one when its oldest reading has waited long enough. */
  private static boolean due(List<Buffered> batch, GatewayConfig c) {
    if (batch.size() >= c.mqtt().batchMaxReadings()) return true;
    long oldest = batch.get(0).reading().timestampMs();
    return System.currentTimeMillis() - oldest >= c.mqtt().batchMaxDelay().toMillis();
  }

  private boolean send(List<Buffered> batch, boolean backlog) throws Exception {
    List<Reading> readings = batch.stream().map(Buffered::reading).toList();
    long seq = buffer.nextSequence();
    MqttMessage m =
        new MqttMessage(
            codec.encode(
                new ReadingsBatch(config.gateway(), seq, System.currentTimeMillis(), readings)));
    m.setQos(1);
    MqttProperties props = new MqttProperties();
    props.setContentType(PayloadFormat.JSON.contentType());
    m.setProperties(props);
    try {
      IMqttToken token = client.publish(Topics.readings(config.site(), config.gateway()), m);
      token.waitForCompletion(ACK_TIMEOUT.toMillis());
    } catch (Exception e) {
      // No PUBACK: the readings stay buffered and go again after the reconnect.
      unacknowledged++;
      log.warn("uplink: batch {} not acknowledged ({}); will resend", seq, e.toString());
      return false;
    }
    buffer.delete(batch);
    readingsSent += batch.size();
    if (backlog) backlogSent += batch.size();
    lastPublishMs = System.currentTimeMillis();
    return true;
  }

  public boolean connected() {
    return client.isConnected();
  }

  public long readingsSent() {
    return readingsSent;
  }

  /** Readings sent from the backlog (buffered before the link last came up). */
  public long backlogSent() {
    return backlogSent;
  }

  /** Batches published whose acknowledgement never came (their readings went again). */
  public long unacknowledgedBatches() {
    return unacknowledged;
  }

  public long lastPublishMs() {
    return lastPublishMs;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws Exception {
    running = false;
    thread.interrupt();
    thread.join(5_000);
    try {
      if (client.isConnected()) {
        MqttMessage offline = new MqttMessage(host.status("offline"));
        offline.setQos(1);
        offline.setRetained(true);
        client.publish(statusTopic, offline).waitForCompletion(2_000);
        client.disconnect().waitForCompletion(2_000);
      }
    } finally {
      closeClient();
    }
  }

  /**
   * Paho refuses to close a client while a connect attempt is under way ("Connect already in
   * progress"), as one of the background retries of a gateway that never reached its broker may be:
   * wait for it to end (an attempt times out after 10 s), then close.
   */
  private void closeClient() throws MqttException, InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        client.close(true);
        return;
      } catch (MqttException e) {
        if (e.getReasonCode() != MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS
            || System.nanoTime() > until) throw e;
        Thread.sleep(50);
      }
    }
  }
}

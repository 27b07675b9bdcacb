package io.outfall.gateway.uplink;

import io.outfall.gateway.buffer.ReadingBuffer;
import io.outfall.gateway.buffer.ReadingBuffer.Buffered;
import io.outfall.gateway.config.GatewayConfig;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.NoDelaySocketFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the buffer holds, oldest first, one QoS 1 batch at a time, and deletes a batch's
 * readings only once the broker acknowledged it. A batch whose acknowledgement never came (the link
 * dropped with it in flight) is still in the buffer and goes again, with the same readings; the
 * server's storage is idempotent, so a resend is harmless and nothing is lost.
 *
 * <p>Batches close on size or on age (the oldest reading waited {@code batch_max_delay}); a backlog
 * goes out in full batches at no more than {@code max_batches_per_second}, so that draining it does
 * not flood the broker or starve other gateways.
 *
 * <p>Announces itself with a retained birth message on its status topic and leaves a retained last
 * will there, so the server sees a gateway that vanished.
 */
public final class Uplink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Uplink.class);
  private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

  private final GatewayConfig config;
  private final ReadingBuffer buffer;
  private final MqttAsyncClient client;
  private final ReadingsCodec codec = new ReadingsCodec();
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long batchesSent;
  private volatile long readingsSent;
  private volatile long lastPublishMs;

  public Uplink(GatewayConfig config, ReadingBuffer buffer) throws Exception {
    this.config = config;
    this.buffer = buffer;
    this.client =
        new MqttAsyncClient(
            config.mqtt().url(), "gateway-" + config.gateway(), new MemoryPersistence());
    this.thread = new Thread(this::run, "uplink-" + config.gateway());
    thread.setDaemon(true);
  }

  public void start() throws Exception {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setAutomaticReconnect(true);
    o.setAutomaticReconnectDelay(1, 10);
    o.setCleanStart(true); // the buffer is the session: unacknowledged batches are resent from it
    o.setConnectionTimeout(10);
    if (config.mqtt().url().startsWith("tcp://")) {
      // Only for plain TCP: an ssl:// URL needs Paho's TLS socket factory (the JVM's trust store).
      o.setSocketFactory(new NoDelaySocketFactory());
    }
    if (config.mqtt().username() != null) o.setUserName(config.mqtt().username());
    if (config.mqtt().password() != null)
      o.setPassword(config.mqtt().password().getBytes(StandardCharsets.UTF_8));
    String status = Topics.topic(config.site(), config.gateway(), Topics.Kind.STATUS);
    MqttMessage will = new MqttMessage(statusJson("offline"));
    will.setQos(1);
    will.setRetained(true);
    o.setWill(status, will);
    client.setCallback(new BirthOnConnect(client, status, this));
    try {
      client.connect(o).waitForCompletion(10_000);
    } catch (Exception e) {
      // Offline at start is normal at a plant: automatic reconnect keeps trying; the buffer fills.
      log.warn("broker {} not reachable yet ({}); buffering", config.mqtt().url(), e.toString());
      reconnectInBackground(o);
    }
    thread.start();
  }

  byte[] statusJson(String state) {
    return ("{\"gateway\":\""
            + config.gateway()
            + "\",\"state\":\""
            + state
            + "\",\"config_version\":\""
            + config.version()
            + "\",\"at\":"
            + System.currentTimeMillis()
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private void reconnectInBackground(MqttConnectionOptions o) {
    Thread t =
        new Thread(
            () -> {
              while (running && !client.isConnected()) {
                try {
                  client.connect(o).waitForCompletion(10_000);
                } catch (Exception e) {
                  sleep(2_000);
                }
              }
            },
            "uplink-connect");
    t.setDaemon(true);
    t.start();
  }

  /** New readings are in the buffer. */
  public void wakeUp() {
    wake.release();
  }

  private void run() {
    long minGapNanos = TimeUnit.SECONDS.toNanos(1) / config.mqtt().maxBatchesPerSecond();
    long lastSend = 0;
    while (running) {
      try {
        wake.tryAcquire(200, TimeUnit.MILLISECONDS);
        wake.drainPermits();
        while (running && client.isConnected()) {
          List<Buffered> batch = buffer.oldest(config.mqtt().batchMaxReadings());
          if (batch.isEmpty() || !due(batch)) break;
          long wait = lastSend + minGapNanos - System.nanoTime();
          if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
          lastSend = System.nanoTime();
          if (!send(batch)) break;
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        log.warn("uplink: {}", e.toString());
        sleep(1_000);
      }
    }
  }

  /** A full batch goes at once; a partial one when its oldest reading has waited long enough. */
  private boolean due(List<Buffered> batch) {
    if (batch.size() >= config.mqtt().batchMaxReadings()) return true;
    long oldest = batch.get(0).reading().timestampMs();
    return System.currentTimeMillis() - oldest >= config.mqtt().batchMaxDelay().toMillis();
  }

  private boolean send(List<Buffered> batch) throws Exception {
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
      log.warn("uplink: batch {} not acknowledged ({}); will resend", seq, e.toString());
      return false;
    }
    buffer.delete(batch);
    batchesSent++;
    readingsSent += batch.size();
    lastPublishMs = System.currentTimeMillis();
    return true;
  }

  public boolean connected() {
    return client.isConnected();
  }

  public long batchesSent() {
    return batchesSent;
  }

  public long readingsSent() {
    return readingsSent;
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
        MqttMessage offline = new MqttMessage(statusJson("offline"));
        offline.setQos(1);
        offline.setRetained(true);
        client
            .publish(Topics.topic(config.site(), config.gateway(), Topics.Kind.STATUS), offline)
            .waitForCompletion(2_000);
        client.disconnect().waitForCompletion(2_000);
      }
    } finally {
      client.close(true);
    }
  }
}

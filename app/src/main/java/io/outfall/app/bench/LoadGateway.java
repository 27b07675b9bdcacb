package io.outfall.app.bench;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * A gateway that publishes as fast as the broker acknowledges, with a window of messages in flight
 * (QoS 1), as a gateway draining a backlog does, or at a steady pace, as a plant's live data flows.
 * Every reading has its own storage key. Used by the benchmarks and the fault drills.
 */
public final class LoadGateway {
  static final String[] PARAMETERS = {
    "COD", "TSS", "NH4_N", "pH", "temperature", "flow_out", "flow_in", "colour"
  };
  static final String[] UNITS = {"mg/L", "mg/L", "mg/L", "pH", "degC", "m3/h", "m3/h", "Pt-Co"};

  private final String site;
  private final String gateway;
  private final ReadingsCodec codec = new ReadingsCodec();

  private final AtomicLong acknowledged = new AtomicLong();

  public LoadGateway(String site, String gateway) {
    this.site = site;
    this.gateway = gateway;
  }

  /** Batch {@code index}: readings of 8 parameters at consecutive seconds from {@code baseMs}. */
  /** The station its readings are for. */
  public String station() {
    return gateway.toUpperCase() + "-OUT";
  }

  /** Readings the broker has acknowledged (PUBACK) so far: what this gateway has sent. */
  public long acknowledged() {
    return acknowledged.get();
  }

  ReadingsBatch batch(int index, int size, long baseMs) {
    List<Reading> readings = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      long n = (long) index * size + i;
      int p = (int) (n % PARAMETERS.length);
      long ts = baseMs + (n / PARAMETERS.length) * 1000L;
      readings.add(
          new Reading(
              station(), PARAMETERS[p], ts, 10 + (n % 97) * 0.5, UNITS[p], DeviceStatus.MEASURING));
    }
    return new ReadingsBatch(gateway, index + 1L, System.currentTimeMillis(), readings);
  }

  byte[] payload(int index, int size, long baseMs) {
    return codec.encode(batch(index, size, baseMs));
  }

  /** {@link #publish(String, int, int, long, int, double)} on another thread. */
  public CompletableFuture<Void> publishInBackground(
      String brokerUrl, int batches, int size, long baseMs, int window, double batchesPerSecond) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            publish(brokerUrl, batches, size, baseMs, window, batchesPerSecond);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Publishes {@code batches} batches; returns when the broker acknowledged all of them. */
  public void publish(String brokerUrl, int batches, int size, long baseMs, int window)
      throws Exception {
    publish(brokerUrl, batches, size, baseMs, window, 0);
  }

  /**
   * The same at {@code batchesPerSecond} at most (0: as fast as acknowledged). A publish the client
   * gives up on is not counted as sent; the drill's verdict counts only what the broker took.
   */
  public void publish(
      String brokerUrl, int batches, int size, long baseMs, int window, double batchesPerSecond)
      throws Exception {
    MqttAsyncClient client =
        new MqttAsyncClient(
            brokerUrl, gateway + "-load-" + System.nanoTime(), new MemoryPersistence());
    client.connect(MqttConnect.options(brokerUrl, null, null)).waitForCompletion(10_000);
    Semaphore inFlight = new Semaphore(window);
    String topic = Topics.readings(site, gateway);
    MqttActionListener release =
        new MqttActionListener() {
          @Override
          public void onSuccess(IMqttToken token) {
            acknowledged.addAndGet(size);
            inFlight.release();
          }

          @Override
          public void onFailure(IMqttToken token, Throwable e) {
            inFlight.release();
            System.err.println("publish failed: " + e);
          }
        };
    long start = System.nanoTime();
    for (int i = 0; i < batches; i++) {
      if (batchesPerSecond > 0) {
        long due = start + (long) (i / batchesPerSecond * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      MqttMessage m = new MqttMessage(payload(i, size, baseMs));
      m.setQos(1);
      inFlight.acquire();
      client.publish(topic, m, null, release);
    }
    inFlight.acquire(window);
    client.disconnect().waitForCompletion(5_000);
    client.close();
  }
}

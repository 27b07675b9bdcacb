package io.outfall.ingest.bench;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * A gateway that publishes as fast as the broker acknowledges, with a window of messages in flight
 * (QoS 1), as a gateway draining a backlog does. Every reading has its own storage key.
 */
final class LoadGateway {
  private static final String[] PARAMETERS = {
    "COD", "TSS", "NH4_N", "pH", "temperature", "flow_out", "flow_in", "colour"
  };
  private static final String[] UNITS = {
    "mg/L", "mg/L", "mg/L", "pH", "degC", "m3/h", "m3/h", "Pt-Co"
  };

  private final String site;
  private final String gateway;
  private final ReadingsCodec codec = new ReadingsCodec();

  LoadGateway(String site, String gateway) {
    this.site = site;
    this.gateway = gateway;
  }

  /** Batch {@code index}: readings of 8 parameters at consecutive seconds from {@code baseMs}. */
  ReadingsBatch batch(int index, int size, long baseMs) {
    List<Reading> readings = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      long n = (long) index * size + i;
      int p = (int) (n % PARAMETERS.length);
      long ts = baseMs + (n / PARAMETERS.length) * 1000L;
      readings.add(
          new Reading(
              gateway.toUpperCase() + "-OUT",
              PARAMETERS[p],
              ts,
              10 + (n % 97) * 0.5,
              UNITS[p],
              DeviceStatus.MEASURING));
    }
    return new ReadingsBatch(gateway, index + 1L, System.currentTimeMillis(), readings);
  }

  byte[] payload(int index, int size, long baseMs) {
    return codec.encode(batch(index, size, baseMs));
  }

  /** Publishes {@code batches} batches; returns when the broker acknowledged all of them. */
  void publish(String brokerUrl, int batches, int size, long baseMs, int window) throws Exception {
    MqttAsyncClient client =
        new MqttAsyncClient(
            brokerUrl, gateway + "-load-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setSocketFactory(new io.outfall.protocol.transport.NoDelaySocketFactory());
    client.connect(options).waitForCompletion(10_000);
    Semaphore inFlight = new Semaphore(window);
    String topic = Topics.readings(site, gateway);
    MqttActionListener release =
        new MqttActionListener() {
          @Override
          public void onSuccess(IMqttToken token) {
            inFlight.release();
          }

          @Override
          public void onFailure(IMqttToken token, Throwable e) {
            inFlight.release();
            System.err.println("publish failed: " + e);
          }
        };
    for (int i = 0; i < batches; i++) {
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

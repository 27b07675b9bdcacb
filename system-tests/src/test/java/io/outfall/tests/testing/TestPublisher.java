package io.outfall.tests.testing;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A test gateway: publishes readings batches at QoS 1 and counts what the broker acknowledged. Each
 * batch i of a station holds {@code size} readings of COD at distinct timestamps, so every reading
 * has its own storage key and counts are exact.
 */
public final class TestPublisher implements AutoCloseable {
  public final String site;
  public final String gateway;
  private final MqttClient client;
  private final ReadingsCodec codec = new ReadingsCodec();
  private long seq;
  private long sentReadings;

  public TestPublisher(String brokerUrl, String site, String gateway) throws MqttException {
    this.site = site;
    this.gateway = gateway;
    this.client =
        new MqttClient(brokerUrl, gateway + "-" + System.nanoTime(), new MemoryPersistence());
    client.connect(MqttConnect.options(brokerUrl, null, null));
  }

  /**
   * Batch {@code index} of {@code station}: {@code size} readings, 1 s apart, starting at base +
   * index × size s.
   */
  public ReadingsBatch batch(String station, long baseMs, int index, int size) {
    List<Reading> readings = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      long ts = baseMs + ((long) index * size + i) * 1000L;
      readings.add(new Reading(station, "COD", ts, 40 + (i % 17), "mg/L", DeviceStatus.MEASURING));
    }
    return new ReadingsBatch(gateway, ++seq, System.currentTimeMillis(), readings);
  }

  public void publish(ReadingsBatch batch) throws MqttException {
    publish(batch, PayloadFormat.JSON);
  }

  public void publish(ReadingsBatch batch, PayloadFormat format) throws MqttException {
    MqttMessage m = new MqttMessage(codec.encode(batch, format));
    m.setQos(1);
    MqttProperties p = new MqttProperties();
    p.setContentType(format.contentType());
    m.setProperties(p);
    client.publish(Topics.readings(site, gateway), m);
    sentReadings += batch.readings().size();
  }

  /** Publishes raw bytes (for malformed input) on this gateway's readings topic. */
  public void publishRaw(byte[] payload) throws MqttException {
    publishRaw(Topics.readings(site, gateway), payload);
  }

  public void publishRaw(String topic, byte[] payload) throws MqttException {
    MqttMessage m = new MqttMessage(payload);
    m.setQos(1);
    client.publish(topic, m);
  }

  /** Publishes all batches with many in flight at once, as a gateway draining a backlog does. */
  public void publishBurst(List<ReadingsBatch> batches) throws Exception {
    var async =
        new MqttAsyncClient(
            client.getServerURI(),
            gateway + "-burst-" + System.nanoTime(),
            new MemoryPersistence());
    async.connect(MqttConnect.options(client.getServerURI(), null, null)).waitForCompletion(10_000);
    List<IMqttToken> tokens = new ArrayList<>();
    for (ReadingsBatch b : batches) {
      MqttMessage m = new MqttMessage(codec.encode(b));
      m.setQos(1);
      tokens.add(async.publish(Topics.readings(site, gateway), m));
      if (tokens.size() % 100 == 0) tokens.get(tokens.size() - 100).waitForCompletion(10_000);
    }
    for (var t : tokens) t.waitForCompletion(10_000);
    for (ReadingsBatch b : batches) sentReadings += b.readings().size();
    async.disconnect().waitForCompletion(5_000);
    async.close();
  }

  /** Readings the broker acknowledged (PUBACK) so far. */
  public long sentReadings() {
    return sentReadings;
  }

  /** Builds batches that claim to come from another gateway than the one publishing them. */
  public record Spoof(TestPublisher from) {
    public ReadingsBatch batchClaiming(String otherGateway, String station, long baseMs) {
      ReadingsBatch real = from.batch(station, baseMs, 0, 3);
      return new ReadingsBatch(otherGateway, real.seq(), real.sentAtMs(), real.readings());
    }
  }

  @Override
  public void close() throws MqttException {
    client.disconnect();
    client.close();
  }
}

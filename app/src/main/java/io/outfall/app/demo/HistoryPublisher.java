package io.outfall.app.demo;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.simulator.EffluentModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a demo plant's recent history (one reading a minute from its effluent model) straight over
 * MQTT on its first start, so that charts and compliance history have something to show. The live
 * readings take the real path instead: plant simulator → Modbus → gateway → MQTT.
 */
public final class HistoryPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HistoryPublisher.class);
  private final String site;
  private final String gateway;
  private final String station;
  private final EffluentModel model;
  private final Path seqFile;
  private final MqttAsyncClient client;
  private final ReadingsCodec codec = new ReadingsCodec();
  private final ScheduledExecutorService timer;
  private final String brokerUrl;
  private final String password;
  private long seq;

  public HistoryPublisher(
      String brokerUrl,
      String site,
      String station,
      EffluentModel model,
      Path stateDir,
      BrokerLogins logins)
      throws Exception {
    this.site = site;
    this.gateway = site + "-history";
    this.brokerUrl = brokerUrl;
    this.password = logins.password(site, gateway);
    this.station = station;
    this.model = model;
    Files.createDirectories(stateDir);
    this.seqFile = stateDir.resolve(gateway + ".seq");
    this.seq = Files.exists(seqFile) ? Long.parseLong(Files.readString(seqFile).trim()) : 0;
    this.client =
        new MqttAsyncClient(
            brokerUrl, MqttConnect.gatewayClientId(site, gateway), new MemoryPersistence());
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "plant-" + site));
  }

  public void start(Duration backfill) throws MqttException {
    client
        .connect(
            MqttConnect.options(
                brokerUrl, password == null ? null : site + "/" + gateway, password))
        .waitForCompletion(10_000);
    timer.execute(() -> backfill(backfill));
  }

  /** History at one reading per minute, only on a fresh data directory (seq 0). */
  private void backfill(Duration span) {
    if (seq > 0 || span.isZero()) return;
    Instant now = Instant.now();
    Instant t = now.minus(span).truncatedTo(ChronoUnit.MINUTES);
    List<Reading> pending = new ArrayList<>();
    // The plant's meters over the same minutes, as the simulator counts them (0.45 kWh and 60 g of
    // coagulant per m³ treated), so that the KPIs have a history too. The live simulator's meters
    // start again from zero: the KPIs read that as a meter reset.
    double energyKwh = 0;
    double chemicalKg = 0;
    for (; t.isBefore(now); t = t.plusSeconds(60)) {
      List<Reading> minute = model.readings(station, t);
      pending.addAll(minute);
      for (Reading r : minute) {
        if (r.parameter().equals("flow_out") && r.status() == DeviceStatus.MEASURING) {
          energyKwh += r.value() * 0.45 / 60;
          chemicalKg += r.value() * 0.06 / 60;
        }
      }
      long ts = t.toEpochMilli();
      pending.add(new Reading(station, "energy", ts, energyKwh, "kWh", DeviceStatus.MEASURING));
      pending.add(
          new Reading(station, "chemical_dose", ts, chemicalKg, "kg", DeviceStatus.MEASURING));
      if (pending.size() >= 480) {
        publish(pending);
        pending.clear();
      }
    }
    if (!pending.isEmpty()) publish(pending);
    log.info("{}: backfilled {} of history", station, span);
  }

  private void publish(List<Reading> readings) {
    try {
      ReadingsBatch batch = new ReadingsBatch(gateway, ++seq, System.currentTimeMillis(), readings);
      MqttMessage m = new MqttMessage(codec.encode(batch));
      m.setQos(1);
      MqttProperties props = new MqttProperties();
      props.setContentType(PayloadFormat.JSON.contentType());
      m.setProperties(props);
      client.publish(Topics.readings(site, gateway), m).waitForCompletion(30_000);
      Files.writeString(seqFile, Long.toString(seq));
    } catch (MqttException | IOException e) {
      log.warn("{}: batch {} not published: {}", gateway, seq, e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      client.disconnect().waitForCompletion(2_000);
      client.close();
    } catch (MqttException e) {
      log.debug("close: {}", e.getMessage());
    }
  }
}

package io.outfall.app.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.intake.BatchValidator;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.ingest.storage.Database;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.protocol.transport.MqttConnect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures the ingest pipeline on this machine against two baselines run in the same process, on
 * the same embedded broker and database, with the same readings: MQTT alone (publish to a
 * subscriber that stores nothing) and storage alone (the writer fed directly, no MQTT). Machines
 * here are noisy, so the ratios are the figures to compare between runs, not the absolute rates.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure ingest throughput against MQTT-only and storage-only baselines.")
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--readings",
      defaultValue = "1000000",
      description = "readings per run (default: ${DEFAULT-VALUE})")
  int readings;

  @Option(
      names = "--batch",
      defaultValue = "100",
      description = "readings per MQTT message (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(
      names = "--gateways",
      defaultValue = "4",
      description = "publishing gateways (default: ${DEFAULT-VALUE})")
  int gateways;

  @Option(
      names = "--window",
      defaultValue = "64",
      description = "messages in flight per gateway (default: ${DEFAULT-VALUE})")
  int window;

  @Mixin BenchBroker broker;

  @Override
  public Integer call() throws Exception {
    int perGateway = readings / gateways / batch;
    long total = (long) perGateway * batch * gateways;
    long base = System.currentTimeMillis() - Duration.ofDays(30).toMillis();
    Path dir = Files.createTempDirectory("outfall-bench");
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        BenchBroker.Running running = broker.start(dir)) {
      String url = running.url();
      System.out.printf(
          "outfall bench: %,d readings, %d per message, %d gateways, %d in flight each, broker %s%n",
          total, batch, gateways, window, running.label());
      double mqtt = rate(total, mqttOnly(url, perGateway, base));
      System.out.printf(
          "  mqtt only    (publish -> subscriber, nothing stored): %,10.0f readings/s%n", mqtt);
      double storage = rate(total, storageOnly(pg.jdbcUrl("bench_storage"), perGateway, base));
      System.out.printf(
          "  storage only (validate + COPY + insert, no MQTT):     %,10.0f readings/s%n", storage);
      double pipeline = rate(total, pipeline(url, pg.jdbcUrl("bench_pipeline"), perGateway, base));
      System.out.printf(
          "  pipeline     (publish -> validate -> stored -> ack):   %,10.0f readings/s%n",
          pipeline);
      System.out.printf(
          "  pipeline / storage only = %.2f   pipeline / mqtt only = %.2f%n",
          pipeline / storage, pipeline / mqtt);
    }
    return 0;
  }

  private long mqttOnly(String url, int perGateway, long base) throws Exception {
    AtomicLong received = new AtomicLong();
    MqttClient sub = new MqttClient(url, "bench-raw-subscriber", new MemoryPersistence());
    MqttConnectionOptions o = MqttConnect.options(url, null, null);
    o.setReceiveMaximum(window * gateways);
    sub.setCallback(new CountingCallback(received, batch));
    sub.connect(o);
    // Not subscribe(topic, qos, listener): that overload recurses forever in Paho v5 1.2.5.
    sub.subscribe(Topics.allReadings(), 1);
    long start = System.nanoTime();
    publishAll(url, "bench-raw", perGateway, base);
    long expected = (long) perGateway * batch * gateways;
    while (received.get() < expected) Thread.sleep(5);
    long took = System.nanoTime() - start;
    sub.disconnect();
    sub.close();
    return took;
  }

  private long storageOnly(String jdbcUrl, int perGateway, long base) throws Exception {
    try (Database db = Database.open(jdbcUrl, "postgres", "", 4, Duration.ofSeconds(30))) {
      var registry = new SimpleMeterRegistry();
      var metrics = new MicrometerIntakeMetrics(registry);
      var validator =
          new BatchValidator(
              db.parameters(), Clock.systemUTC(), Duration.ofDays(90), Duration.ofMinutes(5));
      ReadingWriter writer =
          new ReadingWriter(
              db.dataSource(),
              new StationDirectory(StationDirectory.Unregistered.REGISTER),
              metrics,
              window * gateways + 16,
              20_000,
              25,
              true,
              null);
      writer.start();
      // Encode first so that the storage baseline does not pay for the publisher's encoding.
      List<Delivery> deliveries = new ArrayList<>();
      for (int g = 0; g < gateways; g++) {
        LoadGateway gw = new LoadGateway("bench-storage", "gw" + g);
        for (int i = 0; i < perGateway; i++) {
          deliveries.add(
              new Delivery(
                  Topics.readings("bench-storage", "gw" + g),
                  gw.payload(i, batch, base),
                  null,
                  () -> {}));
        }
      }
      long start = System.nanoTime();
      for (Delivery d : deliveries) writer.submit(validator.validate(d));
      long expected = (long) perGateway * batch * gateways;
      while (registry.counter("outfall.readings.stored").count() < expected) Thread.sleep(5);
      long took = System.nanoTime() - start;
      writer.close();
      return took;
    }
  }

  private long pipeline(String url, String jdbcUrl, int perGateway, long base) throws Exception {
    Settings s =
        benchIngest(jdbcUrl, url, "bench-ingest")
            .with(Setting.MQTT_RECEIVE_MAXIMUM, window * gateways);
    try (IngestServer server = IngestServer.start(s)) {
      ReadingQueries q = new ReadingQueries(server.database().dataSource());
      long start = System.nanoTime();
      publishAll(url, "bench-pipe", perGateway, base);
      long expected = (long) perGateway * batch * gateways;
      while (q.count() < expected) Thread.sleep(20);
      return System.nanoTime() - start;
    }
  }

  private void publishAll(String url, String site, int perGateway, long base) throws Exception {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int g = 0; g < gateways; g++) {
      LoadGateway gw = new LoadGateway(site, "gw" + g);
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  gw.publish(url, perGateway, batch, base, window);
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  /** An ingest for one benchmark run, on the embedded database, with HTTP on a free port. */
  static Settings benchIngest(String jdbcUrl, String mqttUrl, String clientId) {
    return Settings.defaults()
        .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "register")
        .with(Setting.DB_URL, jdbcUrl)
        .with(Setting.DB_USER, "postgres")
        .with(Setting.MQTT_URL, mqttUrl)
        .with(Setting.MQTT_CLIENT_ID, clientId)
        // Its own share group and no session left behind: on a broker that outlives the run
        // (--mqtt-url), a leftover session in a production group would be given its share.
        .with(Setting.MQTT_SHARED_GROUP, clientId + "-" + ProcessHandle.current().pid())
        .with(Setting.MQTT_SESSION_EXPIRY_SECONDS, 0)
        .with(Setting.HTTP_HOST, "127.0.0.1")
        .with(Setting.HTTP_PORT, 0);
  }

  /** Counts readings by message; PUBACK goes out automatically after each callback. */
  private record CountingCallback(AtomicLong received, int batch) implements MessageCallback {
    @Override
    public void messageArrived(String topic, MqttMessage message) {
      received.addAndGet(batch);
    }
  }

  private static double rate(long readings, long nanos) {
    return readings / (nanos / 1e9);
  }
}

package io.outfall.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outfall.app.demo.PlantGateways;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.gateway.Gateway;
import io.outfall.gateway.buffer.ReadingBuffer;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How fast a gateway drains a large backlog, in its own JVM with a small heap, against a baseline
 * measured in the same run on the same broker: the same readings published from memory, one QoS 1
 * batch in flight at a time, as the gateway does (so the ratio is what the buffer costs: reading
 * SQLite, deleting what was acknowledged, committing the sequence number).
 */
@Command(
    name = "bench-gateway",
    mixinStandardHelpOptions = true,
    description = "Measure a gateway draining a backlog with a small heap, against a baseline.")
public final class GatewayDrainBench implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--readings",
      defaultValue = "1000000",
      description = "backlog size (default: ${DEFAULT-VALUE})")
  int readings;

  @Option(
      names = "--heap",
      defaultValue = "64m",
      description = "the gateway JVM's -Xmx (default: ${DEFAULT-VALUE})")
  String heap;

  @Option(
      names = "--batch",
      defaultValue = "500",
      description = "mqtt.batch_max_readings (default: ${DEFAULT-VALUE}, the gateway's default)")
  int batch;

  @Option(
      names = "--rate",
      defaultValue = "100",
      description =
          "mqtt.max_batches_per_second (default: ${DEFAULT-VALUE}, the gateway's default)")
  int rate;

  @Mixin BenchBroker broker;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-bench-gateway");
    int modbusPort = EmbeddedBroker.freePort();
    var model = new EffluentModel(EffluentModel.Profile.TYPICAL, 7);
    try (dir;
        BenchBroker.Running running = broker.start(dir.path());
        PlantSimulator plant = new PlantSimulator("BENCH-OUT", model, modbusPort)) {
      String url = running.url();
      long backlogBefore = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
      List<Reading> backlog = backlog(readings, backlogBefore);
      System.out.printf(
          "outfall bench-gateway: %,d readings of backlog, batches of %d, at most %d/s, broker %s,"
              + " gateway JVM -Xmx%s%n",
          readings, batch, rate, running.label(), heap);

      // Baseline: the same batches from memory, one in flight at a time.
      double baseline;
      try (Counter counter = new Counter(url, "bench-gw-base", backlogBefore)) {
        long start = System.nanoTime();
        publishFromMemory(url, backlog);
        counter.awaitAtLeast(readings);
        baseline = readings / ((System.nanoTime() - start) / 1e9);
      }
      System.out.printf(
          "  baseline (same batches from memory, 1 in flight):  %,10.0f readings/s%n", baseline);

      // The backlog, on disk where the gateway will find it.
      String yaml =
          PlantGateways.config(
                  "bench-gw",
                  "bench",
                  "BENCH-OUT",
                  url,
                  modbusPort,
                  Duration.ofSeconds(1),
                  dir.resolve("gateway"))
              .replace("batch_max_readings: 100", "batch_max_readings: " + batch)
              .replace(
                  "batch_max_delay: 1s}",
                  "batch_max_delay: 1s, max_batches_per_second: " + rate + "}");
      var config = GatewayConfigYaml.parse(yaml);
      long fillStart = System.nanoTime();
      try (ReadingBuffer buffer =
          new ReadingBuffer(
              config.buffer().path(),
              config.buffer().maxReadings(),
              config.buffer().maxBytes(),
              false)) {
        for (int i = 0; i < backlog.size(); i += 10_000)
          buffer.append(backlog.subList(i, Math.min(backlog.size(), i + 10_000)));
      }
      long diskBefore = diskUse(config.buffer().path());
      System.out.printf(
          "  backlog written in %.1f s: %,d bytes on disk (%.0f bytes/reading)%n",
          (System.nanoTime() - fillStart) / 1e9, diskBefore, (double) diskBefore / readings);
      Path cfg = dir.resolve("gateway.yaml");
      Files.writeString(cfg, yaml);

      try (Counter counter = new Counter(url, "bench-gw-drain", backlogBefore)) {
        long start = System.nanoTime();
        Process gw = startGateway(cfg, dir.resolve("gateway.log"));
        long peakHeap = 0;
        long heapMax = 0;
        long firstAt = 0;
        try {
          while (counter.backlog() < readings) {
            Thread.sleep(200);
            if (!gw.isAlive())
              throw new IllegalStateException(
                  "the gateway exited (" + gw.exitValue() + "); see " + dir.resolve("gateway.log"));
            if (firstAt == 0 && counter.backlog() > 0) firstAt = System.nanoTime();
            JsonNode s = status(config);
            if (s != null) {
              peakHeap = Math.max(peakHeap, s.path("heap_used_bytes").asLong());
              heapMax = s.path("heap_max_bytes").asLong();
            }
          }
          long end = System.nanoTime();
          double drain = readings / ((end - firstAt) / 1e9);
          long rss = peakRss(gw.pid());
          System.out.printf(
              "  gateway drain (SQLite -> MQTT -> delete):          %,10.0f readings/s  (%.1f s;"
                  + " first batch %.1f s after the JVM started)%n",
              drain, (end - firstAt) / 1e9, (firstAt - start) / 1e9);
          System.out.printf("  drain / baseline = %.2f%n", drain / baseline);
          System.out.printf(
              "  gateway heap: peak used %,d MiB of %,d MiB max; peak resident %,d MiB%n",
              peakHeap >> 20, heapMax >> 20, rss >> 10);
          System.out.printf(
              "  disk: %,d bytes before, %,d after the drain (SQLite reuses freed pages)%n",
              diskBefore, diskUse(config.buffer().path()));
          System.out.printf("  live readings received during the drain: %,d%n", counter.live());
        } finally {
          gw.destroy();
          gw.waitFor();
        }
      }
    }
    return 0;
  }

  /** Twelve-parameter polls every 10 s from one station, going back from {@code end}. */
  static List<Reading> backlog(int n, long end) {
    List<Reading> out = new ArrayList<>(n);
    int polls = (n + 11) / 12;
    for (int p = 0; p < polls && out.size() < n; p++)
      for (int k = 0; k < 12 && out.size() < n; k++)
        out.add(
            new Reading(
                "BENCH-OUT",
                k < 8 ? EffluentModel.PARAMETERS.get(k) : "metal_" + k,
                end - (long) (polls - p) * 10_000,
                40 + (p % 97) * 0.5,
                "mg/L",
                DeviceStatus.MEASURING));
    return out;
  }

  private void publishFromMemory(String url, List<Reading> all) throws Exception {
    ReadingsCodec codec = new ReadingsCodec();
    MqttClient pub = new MqttClient(url, "bench-gw-base-pub", new MemoryPersistence());
    pub.connect(MqttConnect.options(url, null, null));
    try {
      long seq = 0;
      for (int i = 0; i < all.size(); i += batch) {
        List<Reading> part = all.subList(i, Math.min(all.size(), i + batch));
        MqttMessage m =
            new MqttMessage(
                codec.encode(
                    new ReadingsBatch("bench-gw-base", ++seq, System.currentTimeMillis(), part)));
        m.setQos(1);
        MqttProperties props = new MqttProperties();
        props.setContentType(PayloadFormat.JSON.contentType());
        m.setProperties(props);
        pub.publish(Topics.readings("bench", "bench-gw-base"), m); // waits for the PUBACK
      }
    } finally {
      pub.disconnect();
      pub.close();
    }
  }

  private Process startGateway(Path cfg, Path log) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(
            java,
            "-Xmx" + heap,
            "-cp",
            System.getProperty("java.class.path"),
            "io.outfall.gateway.GatewayMain",
            "--config",
            cfg.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static JsonNode status(GatewayConfig config) {
    try {
      return JSON.readTree(Gateway.statusFile(config).toFile());
    } catch (Exception e) {
      return null; // not written yet, or being replaced
    }
  }

  /** The buffer file and its write-ahead log. */
  private static long diskUse(Path db) throws Exception {
    long n = Files.size(db);
    Path wal = db.resolveSibling(db.getFileName() + "-wal");
    return Files.exists(wal) ? n + Files.size(wal) : n;
  }

  /** VmHWM of a Linux process, in KiB (0 where /proc does not say). */
  private static long peakRss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
    } catch (Exception e) {
      // not Linux
    }
    return 0;
  }

  /** Counts readings arriving for the bench site: backlog (older than a mark) and live. */
  private static final class Counter implements AutoCloseable {
    private final MqttClient sub;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong live = new AtomicLong();

    Counter(String url, String id, long backlogBefore) throws Exception {
      ReadingsCodec codec = new ReadingsCodec();
      sub = new MqttClient(url, id, new MemoryPersistence());
      MqttConnectionOptions o = MqttConnect.options(url, null, null);
      sub.setCallback(
          (MessageCallback)
              (topic, m) -> {
                for (Reading r : codec.decode(m.getPayload()).readings())
                  (r.timestampMs() < backlogBefore ? backlog : live).incrementAndGet();
              });
      sub.connect(o);
      sub.subscribe("outfall/v1/bench/+/readings", 1);
    }

    long backlog() {
      return backlog.get();
    }

    long live() {
      return live.get();
    }

    void awaitAtLeast(long n) throws InterruptedException {
      while (backlog.get() < n) Thread.sleep(5);
    }

    @Override
    public void close() throws Exception {
      sub.disconnect();
      sub.close();
    }
  }
}

package io.outfall.gateway;

import io.outfall.gateway.buffer.ReadingBuffer;
import io.outfall.gateway.config.GatewayConfig;
import io.outfall.gateway.modbus.DevicePoller;
import io.outfall.gateway.uplink.Uplink;
import io.outfall.protocol.Reading;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plant's gateway: pollers write every reading to the durable buffer, the uplink sends what the
 * buffer holds. The two halves meet only in the buffer, so a broker outage never stops polling and
 * a device outage never stops draining.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final GatewayConfig config;
  private final ReadingBuffer buffer;
  private final Uplink uplink;
  private final List<DevicePoller> pollers = new ArrayList<>();
  private final AtomicLong polled = new AtomicLong();
  private final AtomicLong bufferFailures = new AtomicLong();
  private final java.util.concurrent.ScheduledExecutorService statusWriter =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gateway-status");
            t.setDaemon(true);
            return t;
          });

  private Gateway(GatewayConfig config, ReadingBuffer buffer, Uplink uplink) {
    this.config = config;
    this.buffer = buffer;
    this.uplink = uplink;
  }

  public static Gateway start(GatewayConfig config) throws Exception {
    ReadingBuffer buffer =
        new ReadingBuffer(
            config.buffer().path(),
            config.buffer().maxReadings(),
            config.buffer().fsyncEveryWrite());
    Gateway g = new Gateway(config, buffer, new Uplink(config, buffer));
    g.uplink.start();
    for (GatewayConfig.Device d : config.devices()) {
      DevicePoller p = new DevicePoller(d, g::store);
      g.pollers.add(p);
      p.start();
    }
    g.statusWriter.scheduleWithFixedDelay(
        g::writeStatus, 0, 5, java.util.concurrent.TimeUnit.SECONDS);
    log.info(
        "gateway {} ({} devices, config {}): {} readings buffered from before",
        config.gateway(),
        config.devices().size(),
        config.version(),
        buffer.depth());
    return g;
  }

  /** A poll's readings: durable first, then the uplink may send them. */
  private void store(List<Reading> readings) {
    try {
      buffer.append(readings);
      polled.addAndGet(readings.size());
      uplink.wakeUp();
    } catch (SQLException e) {
      // The disk is the one thing a gateway cannot work around; say so loudly and keep polling.
      bufferFailures.incrementAndGet();
      log.error("gateway: {} readings not buffered: {}", readings.size(), e.toString());
    }
  }

  /** What `outfall gateway status` and the local page show. */
  public record Status(
      String gateway,
      String configVersion,
      boolean connected,
      long buffered,
      long dropped,
      long polled,
      long sent,
      long lastPublishMs,
      List<DeviceHealth> devices) {}

  public record DeviceHealth(
      String name, long polls, long failures, int consecutiveFailures, long lastSuccessMs) {}

  public Status status() {
    return new Status(
        config.gateway(),
        config.version(),
        uplink.connected(),
        buffer.depth(),
        buffer.dropped(),
        polled.get(),
        uplink.readingsSent(),
        uplink.lastPublishMs(),
        pollers.stream()
            .map(
                p ->
                    new DeviceHealth(
                        p.name(),
                        p.polls(),
                        p.failures(),
                        p.consecutiveFailures(),
                        p.lastSuccessMs()))
            .toList());
  }

  /** Where the gateway keeps its status for `outfall gateway status`: beside the buffer. */
  public static java.nio.file.Path statusFile(GatewayConfig config) {
    return config.buffer().path().toAbsolutePath().resolveSibling("status.json");
  }

  private void writeStatus() {
    try {
      java.nio.file.Path file = statusFile(config);
      java.nio.file.Path tmp = file.resolveSibling("status.json.tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), status());
      java.nio.file.Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.io.IOException | RuntimeException e) {
      log.warn("gateway: status not written: {}", e.toString());
    }
  }

  @Override
  public void close() throws Exception {
    statusWriter.shutdownNow();
    for (DevicePoller p : pollers) p.close();
    uplink.close();
    buffer.close();
  }
}

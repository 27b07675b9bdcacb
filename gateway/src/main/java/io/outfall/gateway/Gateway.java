package io.outfall.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.outfall.gateway.buffer.ReadingBuffer;
import io.outfall.gateway.modbus.Pollers;
import io.outfall.gateway.remote.RemoteConfig;
import io.outfall.gateway.uplink.Uplink;
import io.outfall.protocol.Reading;
import io.outfall.protocol.config.ConfigAck;
import io.outfall.protocol.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plant's gateway: pollers write every reading to the durable buffer, the uplink sends what the
 * buffer holds. The two halves meet only in the buffer, so a broker outage never stops polling and
 * a device outage never stops draining. Remote configurations switch the pollers (and the uplink's
 * batching), never the buffer.
 */
public final class Gateway implements AutoCloseable, Uplink.Host {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /** How often the status file and the retained status message are refreshed. */
  private static final long STATUS_EVERY_MS = 5_000;

  private final GatewayConfig local;
  private final ReadingBuffer buffer;
  private final Uplink uplink;
  private final Pollers pollers;
  private final RemoteConfig remote;
  private final AtomicLong polled = new AtomicLong();
  private final AtomicLong bufferFailures = new AtomicLong();
  private long dropsLogged;
  private long dropsLoggedAtMs;
  private final ScheduledExecutorService statusWriter =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gateway-status");
            t.setDaemon(true);
            return t;
          });

  private Gateway(GatewayConfig local) throws Exception {
    this.local = local;
    this.buffer =
        new ReadingBuffer(
            local.buffer().path(),
            local.buffer().maxReadings(),
            local.buffer().maxBytes(),
            local.buffer().fsyncEveryWrite());
    this.uplink = new Uplink(local, buffer, this);
    this.pollers = new Pollers(this::store);
    this.remote =
        new RemoteConfig(local, dataDir(local), pollers, uplink::reconfigure, this::acknowledge);
  }

  /** Starts polling and publishing; offline at start is fine (the buffer fills). */
  public static Gateway start(GatewayConfig local) throws Exception {
    Gateway g = new Gateway(local);
    g.remote.start();
    g.uplink.start();
    g.statusWriter.scheduleWithFixedDelay(
        g::refreshStatus, 0, STATUS_EVERY_MS, TimeUnit.MILLISECONDS);
    log.info(
        "gateway {} ({} devices, config {}): {} readings buffered from before",
        local.gateway(),
        g.remote.active().devices().size(),
        g.remote.active().version(),
        g.buffer.depth());
    return g;
  }

  /** A poll's readings: durable first, then the uplink may send them. */
  private void store(List<Reading> readings) {
    try {
      buffer.append(readings);
      polled.addAndGet(readings.size());
      uplink.wakeUp();
      logDrops();
    } catch (SQLException e) {
      // Even dropping the oldest did not make room: say so loudly and keep polling.
      bufferFailures.incrementAndGet();
      log.error("gateway: {} readings not buffered: {}", readings.size(), e.toString());
    }
  }

  /**
   * Readings older than {@code buffer.max_age} leave the buffer unsent: after an outage longer than
   * that, the gateway sends the newest part of its backlog instead of data the server would refuse.
   * Runs with the status, every few seconds, off the poll path.
   */
  private void dropTooOld() {
    try {
      long n =
          buffer.dropOlderThan(System.currentTimeMillis() - local.buffer().maxAge().toMillis());
      if (n > 0)
        log.warn(
            "gateway: {} buffered readings older than {} dropped unsent ({} so far)",
            n,
            local.buffer().maxAge(),
            buffer.droppedByAge());
    } catch (SQLException e) {
      log.warn("gateway: could not drop readings past buffer.max_age: {}", e.toString());
    }
  }

  /** Readings dropped for room: said once a minute at most (the server alerts on the counter). */
  private void logDrops() {
    long dropped = buffer.dropped();
    long now = System.currentTimeMillis();
    if (dropped > dropsLogged && now - dropsLoggedAtMs > 60_000) {
      log.warn(
          "gateway: buffer full: {} oldest readings dropped so far ({} buffered)",
          dropped,
          buffer.depth());
      dropsLogged = dropped;
      dropsLoggedAtMs = now;
    }
  }

  private void acknowledge(ConfigAck ack) {
    uplink.acknowledge(ack.encode());
  }

  @Override
  public void configArrived(byte[] payload) {
    remote.arrived(payload);
  }

  @Override
  public byte[] status(String state) {
    try {
      return JSON.writeValueAsBytes(new Message(state, System.currentTimeMillis(), status()));
    } catch (IOException e) {
      throw new IllegalStateException("status is plain data", e);
    }
  }

  /** The retained status message: online/offline, the gateway's clock, and its figures. */
  record Message(String state, long clockMs, Status status) {}

  /** What `outfall gateway status`, the status message and the local page show. */
  public record Status(
      String gateway,
      String site,
      String configVersion,
      String configHash,
      ConfigAck lastConfigAck,
      boolean connected,
      long buffered,
      long dropped,
      long droppedByAge,
      long lastDropMs,
      long bufferFailures,
      long polled,
      long sent,
      long backlogSent,
      long unacknowledgedBatches,
      long lastPublishMs,
      long heapUsedBytes,
      long heapMaxBytes,
      List<DeviceHealth> devices,
      List<MeterChanges.MeterChange> meterChanges) {}

  public record DeviceHealth(
      String name,
      String station,
      long polls,
      long failures,
      int consecutiveFailures,
      long lastSuccessMs,
      String lastError) {}

  public Status status() {
    GatewayConfig active = remote.active();
    return new Status(
        local.gateway(),
        local.site(),
        active.version(),
        remote.activeHash(),
        remote.lastAck(),
        uplink.connected(),
        buffer.depth(),
        buffer.dropped(),
        buffer.droppedByAge(),
        buffer.lastDropMs(),
        bufferFailures.get(),
        polled.get(),
        uplink.readingsSent(),
        uplink.backlogSent(),
        uplink.unacknowledgedBatches(),
        uplink.lastPublishMs(),
        Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory(),
        Runtime.getRuntime().maxMemory(),
        pollers.all().stream()
            .map(
                p ->
                    new DeviceHealth(
                        p.name(),
                        p.device().station(),
                        p.polls(),
                        p.failures(),
                        p.consecutiveFailures(),
                        p.lastSuccessMs(),
                        p.consecutiveFailures() == 0 ? null : p.lastError()))
            .toList(),
        MeterChanges.read(local));
  }

  /** The configuration running now (the local file's, or the last one applied remotely). */
  public GatewayConfig activeConfig() {
    return remote.active();
  }

  /** Where the gateway keeps its buffer, status and configuration files. */
  public static Path dataDir(GatewayConfig config) {
    return config.buffer().path().toAbsolutePath().getParent();
  }

  /** Where the gateway keeps its status for `outfall gateway status`: beside the buffer. */
  public static Path statusFile(GatewayConfig config) {
    return dataDir(config).resolve("status.json");
  }

  private void refreshStatus() {
    dropTooOld();
    try {
      Path file = statusFile(local);
      Path tmp = file.resolveSibling("status.json.tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), status());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      log.warn("gateway: status not written: {}", e.toString());
    }
    uplink.publishStatus();
  }

  @Override
  public void close() throws Exception {
    statusWriter.shutdownNow();
    remote.close();
    pollers.close();
    uplink.close();
    buffer.close();
  }
}

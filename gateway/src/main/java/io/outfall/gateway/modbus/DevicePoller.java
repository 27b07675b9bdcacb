package io.outfall.gateway.modbus;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.outfall.gateway.config.GatewayConfig.Device;
import io.outfall.gateway.config.GatewayConfig.Point;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one Modbus TCP device every period on its own thread and hands each poll's readings to a
 * sink (the durable buffer). A device that does not answer within its timeout and retries yields no
 * readings for that poll (the gap is the evidence) and is reconnected on the next one, so a device
 * that stops answering comes back by itself. Polling never depends on the uplink.
 */
public final class DevicePoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevicePoller.class);
  // Modbus allows 125 registers per read; analyzers often allow fewer.
  private static final int MAX_REGISTERS_PER_READ = 100;

  private final Device device;
  private final Consumer<List<Reading>> sink;
  private final ScheduledExecutorService timer;
  private final int first;
  private final int count;
  private ModbusTCPMaster master;
  private volatile long lastSuccessMs;
  private volatile int consecutiveFailures;
  private volatile long polls;
  private volatile long failures;

  public DevicePoller(Device device, Consumer<List<Reading>> sink) {
    this.device = device;
    this.sink = sink;
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (Point p : device.points()) {
      lo = Math.min(lo, p.register());
      hi = Math.max(hi, p.register() + p.type().registers);
      if (p.statusRegister() >= 0) {
        lo = Math.min(lo, p.statusRegister());
        hi = Math.max(hi, p.statusRegister() + 1);
      }
    }
    this.first = lo;
    this.count = hi - lo;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "modbus-" + device.name());
              t.setDaemon(true);
              return t;
            });
  }

  public void start() {
    long period = device.period().toMillis();
    long delay = period - System.currentTimeMillis() % period; // polls on whole periods
    timer.scheduleAtFixedRate(this::poll, delay, period, TimeUnit.MILLISECONDS);
  }

  /** One poll; public for tests and for a manual "poll now". */
  public void poll() {
    long ts = System.currentTimeMillis();
    polls++;
    try {
      int[] words = read();
      List<Reading> readings = new ArrayList<>(device.points().size());
      for (Point p : device.points()) {
        DeviceStatus status =
            p.statusRegister() < 0
                ? DeviceStatus.MEASURING
                : statusOf(words[p.statusRegister() - first]);
        double value = RegisterDecoder.decode(p, words, p.register() - first);
        if (!Double.isFinite(value)) continue; // a NaN register is no reading
        readings.add(new Reading(device.station(), p.parameter(), ts, value, p.unit(), status));
      }
      sink.accept(readings);
      lastSuccessMs = ts;
      consecutiveFailures = 0;
    } catch (Exception e) {
      failures++;
      if (consecutiveFailures++ == 0)
        log.warn("device {}: no answer ({}); will keep trying", device.name(), e.toString());
      disconnect();
    }
  }

  private int[] read() throws Exception {
    if (master == null) {
      master =
          new ModbusTCPMaster(
              device.host(), device.port(), (int) device.timeout().toMillis(), true);
      master.setRetries(device.retries());
      master.connect();
    }
    int[] words = new int[count];
    for (int offset = 0; offset < count; offset += MAX_REGISTERS_PER_READ) {
      int n = Math.min(MAX_REGISTERS_PER_READ, count - offset);
      Register[] regs = master.readMultipleRegisters(device.unitId(), first + offset, n);
      for (int i = 0; i < n; i++) words[offset + i] = regs[i].getValue() & 0xFFFF;
    }
    return words;
  }

  /** 0 measuring, 1 calibrating, anything else a fault. */
  private static DeviceStatus statusOf(int word) {
    return switch (word) {
      case 0 -> DeviceStatus.MEASURING;
      case 1 -> DeviceStatus.CALIBRATING;
      default -> DeviceStatus.FAULT;
    };
  }

  private void disconnect() {
    if (master != null) {
      try {
        master.disconnect();
      } catch (RuntimeException ignored) {
        // already broken
      }
      master = null;
    }
  }

  public String name() {
    return device.name();
  }

  public long lastSuccessMs() {
    return lastSuccessMs;
  }

  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  public long polls() {
    return polls;
  }

  public long failures() {
    return failures;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    disconnect();
  }
}

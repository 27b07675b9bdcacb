package io.outfall.gateway.modbus;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.facade.AbstractModbusMaster;
import com.ghgande.j2mod.modbus.facade.ModbusSerialMaster;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.config.GatewayConfig.Device;
import io.outfall.protocol.config.GatewayConfig.Point;
import io.outfall.protocol.config.GatewayConfig.Serial;
import io.outfall.protocol.config.GatewayConfig.Table;
import io.outfall.protocol.config.GatewayConfig.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one Modbus device (TCP, RTU over TCP, or RTU on a serial line) every period on its own
 * thread and hands each poll's readings to a sink (the durable buffer). A device that does not
 * answer within its timeout and retries yields no readings for that poll (the gap is the evidence)
 * and is reconnected on the next one, so a device that stops answering comes back by itself.
 * Polling never depends on the uplink.
 */
public final class DevicePoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevicePoller.class);
  // Modbus allows 125 registers per read; analyzers often allow fewer.
  private static final int MAX_REGISTERS_PER_READ = 100;

  private final Device device;
  private final Consumer<List<Reading>> sink;
  private final ScheduledExecutorService timer;
  private final Block holding;
  private final Block input;
  private AbstractModbusMaster master;
  private volatile String lastError;
  private volatile long lastSuccessMs;
  private volatile int consecutiveFailures;
  private volatile long polls;
  private volatile long failures;

  public DevicePoller(Device device, Consumer<List<Reading>> sink) {
    this.device = device;
    this.sink = sink;
    this.holding = Block.of(device.points(), Table.HOLDING);
    this.input = Block.of(device.points(), Table.INPUT);
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
      int[] holdingWords = read(holding);
      int[] inputWords = read(input);
      List<Reading> readings = new ArrayList<>(device.points().size());
      for (Point p : device.points()) {
        Block block = p.table() == Table.INPUT ? input : holding;
        int[] words = p.table() == Table.INPUT ? inputWords : holdingWords;
        DeviceStatus status =
            p.statusRegister() < 0
                ? DeviceStatus.MEASURING
                : statusOf(words[p.statusRegister() - block.first]);
        double value = RegisterDecoder.decode(p, words, p.register() - block.first);
        if (!Double.isFinite(value)) continue; // a NaN register is no reading
        readings.add(new Reading(device.station(), p.parameter(), ts, value, p.unit(), status));
      }
      sink.accept(readings);
      lastSuccessMs = ts;
      consecutiveFailures = 0;
    } catch (Exception e) {
      failures++;
      lastError = e.toString();
      if (consecutiveFailures++ == 0)
        log.warn("device {}: no answer ({}); will keep trying", device.name(), e.toString());
      disconnect();
    }
  }

  /** The registers of one table that a poll reads: one range covering every point's. */
  private record Block(Table table, int first, int count) {
    static Block of(List<Point> points, Table table) {
      int lo = Integer.MAX_VALUE;
      int hi = Integer.MIN_VALUE;
      for (Point p : points) {
        if (p.table() != table) continue;
        lo = Math.min(lo, p.register());
        hi = Math.max(hi, p.register() + p.type().registers);
        if (p.statusRegister() >= 0) {
          lo = Math.min(lo, p.statusRegister());
          hi = Math.max(hi, p.statusRegister() + 1);
        }
      }
      return hi < lo ? new Block(table, 0, 0) : new Block(table, lo, hi - lo);
    }
  }

  private int[] read(Block block) throws Exception {
    int[] words = new int[block.count];
    if (block.count == 0) return words;
    if (master == null) master = connect();
    for (int offset = 0; offset < block.count; offset += MAX_REGISTERS_PER_READ) {
      int n = Math.min(MAX_REGISTERS_PER_READ, block.count - offset);
      InputRegister[] regs =
          block.table == Table.INPUT
              ? master.readInputRegisters(device.unitId(), block.first + offset, n)
              : master.readMultipleRegisters(device.unitId(), block.first + offset, n);
      for (int i = 0; i < n; i++) words[offset + i] = regs[i].getValue() & 0xFFFF;
    }
    return words;
  }

  private AbstractModbusMaster connect() throws Exception {
    int timeout = (int) device.timeout().toMillis();
    AbstractModbusMaster m =
        device.transport() == Transport.RTU
            ? new ModbusSerialMaster(serialParameters(device.serial()), timeout)
            : new ModbusTCPMaster(
                device.host(),
                device.port(),
                timeout,
                true,
                device.transport() == Transport.RTU_OVER_TCP);
    m.connect();
    // After connect: j2mod's facade hands its retries to the transaction it creates on connect, so
    // set before they are silently lost (and 5 attempts apply). j2mod counts attempts, not retries.
    m.setRetries(device.retries() + 1);
    return m;
  }

  /** j2mod's settings for an RTU serial line (a test's simulated slave uses the same). */
  public static SerialParameters serialParameters(Serial s) {
    SerialParameters p = new SerialParameters();
    p.setPortName(s.port());
    p.setBaudRate(s.baud());
    p.setDatabits(s.dataBits());
    p.setParity(
        switch (s.parity()) {
          case "odd" -> 1; // jSerialComm's ODD_PARITY
          case "even" -> 2; // EVEN_PARITY
          default -> 0; // NO_PARITY
        });
    p.setStopbits(s.stopBits());
    p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
    p.setEcho(false);
    return p;
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

  /** Why the last failed poll failed, or null. */
  public String lastError() {
    return lastError;
  }

  public Device device() {
    return device;
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

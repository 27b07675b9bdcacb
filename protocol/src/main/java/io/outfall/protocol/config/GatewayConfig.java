package io.outfall.protocol.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A gateway's whole configuration: a declarative snapshot, applied as one piece (see {@link
 * GatewayConfigYaml} for the YAML form).
 *
 * @param version the engineer's version label (e.g. "2026-11-25.1"), acknowledged back on apply
 */
public record GatewayConfig(
    String version,
    String gateway,
    String site,
    Mqtt mqtt,
    Buffer buffer,
    Remote remote,
    List<Device> devices) {

  /**
   * Remote configuration: what the gateway accepts on its retained config topic.
   *
   * @param configKey the server's Ed25519 public key (X.509, base64); {@code null} refuses every
   *     remote configuration, so an unconfigured gateway cannot be taken over through the broker
   * @param applyGrace how long a new configuration's new or changed devices have to answer before
   *     the gateway rolls back to the previous one
   * @param deviceAddresses where this plant's devices are on its own network, by device name
   *     ({@code host:port}): one configuration serves a fleet whose analyzers sit at different
   *     addresses, and a device of that name in any configuration is reached there
   */
  public record Remote(
      String configKey, Duration applyGrace, Map<String, String> deviceAddresses) {}

  /** The uplink to the broker. */
  public record Mqtt(
      String url,
      String username,
      String password,
      Path caFile,
      Path clientKeystore,
      String clientKeystorePassword,
      Duration keepAlive,
      int batchMaxReadings,
      Duration batchMaxDelay,
      int maxBatchesPerSecond) {}

  /**
   * The durable store. {@code maxReadings} and {@code maxBytes} bound it: past either (or when the
   * disk itself is full) the oldest readings are dropped (counted), never the newest.
   */
  /**
   * @param maxAge readings older than this (by their own time) leave the buffer's head unsent,
   *     counted as dropped: the monitoring Circular asks a station's data logger to keep at least
   *     the last 60 days, the default
   */
  public record Buffer(
      Path path, long maxReadings, long maxBytes, Duration maxAge, boolean fsyncEveryWrite) {
    public static final Duration MAX_AGE = Duration.ofDays(60);
  }

  /**
   * One Modbus device (an analyzer, a meter, a PLC) and what to read from it: over TCP ({@code
   * host}, {@code port}), RTU frames over TCP (a serial-to-Ethernet converter in transparent mode),
   * or RTU on a serial line ({@code serial}).
   */
  public record Device(
      String name,
      Transport transport,
      String host,
      int port,
      Serial serial,
      int unitId,
      String station,
      Duration period,
      Duration timeout,
      int retries,
      List<Point> points) {}

  /** How the gateway reaches a device. */
  public enum Transport {
    TCP,
    RTU_OVER_TCP,
    RTU
  }

  /** An RS-485/RS-232 line for RTU devices. */
  public record Serial(String port, int baud, int dataBits, String parity, int stopBits) {}

  /**
   * One parameter read from a device's holding or input registers.
   *
   * @param statusRegister a register whose value 0/1/2 is the device status 00/01/02 of this point,
   *     or -1 when the point is always {@code 00} unless the device fails to answer
   */
  public record Point(
      String parameter,
      String unit,
      Table table,
      int register,
      RegisterType type,
      WordOrder wordOrder,
      double scale,
      double offset,
      int statusRegister) {}

  /** Which register table a point (and its status register) is read from. */
  public enum Table {
    /** Function code 3, read holding registers. */
    HOLDING,
    /** Function code 4, read input registers. */
    INPUT
  }

  /** How a value is laid out in 16-bit registers. */
  public enum RegisterType {
    INT16(1),
    UINT16(1),
    INT32(2),
    UINT32(2),
    FLOAT32(2);

    public final int registers;

    RegisterType(int registers) {
      this.registers = registers;
    }
  }

  /** For two-register values: which register holds the high word. */
  public enum WordOrder {
    /** High word first (ABCD), the Modbus convention. */
    BIG,
    /** Low word first (CDAB), common in analyzers and meters. */
    LITTLE
  }
}

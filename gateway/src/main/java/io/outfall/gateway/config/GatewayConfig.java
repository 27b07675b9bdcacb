package io.outfall.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A gateway's whole configuration: a declarative snapshot, applied as one piece (see {@code
 * GatewayConfigFile} for the YAML form).
 *
 * @param version the engineer's version label (e.g. "2026-11-25.1"), acknowledged back on apply
 */
public record GatewayConfig(
    String version, String gateway, String site, Mqtt mqtt, Buffer buffer, List<Device> devices) {

  /** The uplink to the broker. */
  public record Mqtt(
      String url,
      String username,
      String password,
      int batchMaxReadings,
      Duration batchMaxDelay,
      int maxBatchesPerSecond) {}

  /**
   * The durable store. {@code maxReadings} bounds the disk: past it the oldest readings are dropped
   * (counted), never the newest.
   */
  public record Buffer(Path path, long maxReadings, boolean fsyncEveryWrite) {}

  /** One Modbus device (an analyzer, a meter, a PLC) and what to read from it. */
  public record Device(
      String name,
      String host,
      int port,
      int unitId,
      String station,
      Duration period,
      Duration timeout,
      int retries,
      List<Point> points) {}

  /**
   * One parameter read from a device's holding registers.
   *
   * @param statusRegister a register whose value 0/1/2 is the device status 00/01/02 of this point,
   *     or -1 when the point is always {@code 00} unless the device fails to answer
   */
  public record Point(
      String parameter,
      String unit,
      int register,
      RegisterType type,
      WordOrder wordOrder,
      double scale,
      double offset,
      int statusRegister) {}

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

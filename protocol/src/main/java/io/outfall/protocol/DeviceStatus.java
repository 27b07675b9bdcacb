package io.outfall.protocol;

/**
 * Device status of an analyzer at the time of a reading, in the regulator's two-digit convention
 * for automatic monitoring stations. Only {@link #MEASURING} readings count towards compliance.
 */
public enum DeviceStatus {
  MEASURING("00"),
  CALIBRATING("01"),
  FAULT("02");

  private final String code;

  DeviceStatus(String code) {
    this.code = code;
  }

  /** The wire and file form: {@code 00}, {@code 01} or {@code 02}. */
  public String code() {
    return code;
  }

  /** Parses the wire form; returns null for anything else so callers can report their own path. */
  public static DeviceStatus ofCode(String code) {
    return switch (code) {
      case "00" -> MEASURING;
      case "01" -> CALIBRATING;
      case "02" -> FAULT;
      default -> null;
    };
  }

  /** Stored as a small integer (0, 1, 2): the same digits as the code. */
  public static DeviceStatus ofOrdinalCode(int value) {
    return switch (value) {
      case 0 -> MEASURING;
      case 1 -> CALIBRATING;
      case 2 -> FAULT;
      default -> throw new IllegalArgumentException("device status " + value);
    };
  }
}

package io.outfall.gateway.modbus;

import io.outfall.protocol.config.GatewayConfig.Point;
import io.outfall.protocol.config.GatewayConfig.RegisterType;
import io.outfall.protocol.config.GatewayConfig.WordOrder;

/** Turns raw 16-bit register words into engineering values: type, word order, scale, offset. */
public final class RegisterDecoder {
  private RegisterDecoder() {}

  /**
   * The value of {@code point}, whose first register is at {@code words[index]}.
   *
   * @param words unsigned 16-bit register values (0..65535)
   */
  public static double decode(Point point, int[] words, int index) {
    double raw = raw(point.type(), point.wordOrder(), words, index);
    return raw * point.scale() + point.offset();
  }

  static double raw(RegisterType type, WordOrder order, int[] words, int index) {
    return switch (type) {
      case INT16 -> (short) words[index];
      case UINT16 -> words[index] & 0xFFFF;
      case INT32 -> (int) joined(order, words, index);
      case UINT32 -> joined(order, words, index) & 0xFFFF_FFFFL;
      case FLOAT32 -> Float.intBitsToFloat((int) joined(order, words, index));
    };
  }

  /** The 32 bits of a two-register value, high word first whatever the device's order. */
  private static long joined(WordOrder order, int[] words, int index) {
    int first = words[index] & 0xFFFF;
    int second = words[index + 1] & 0xFFFF;
    return order == WordOrder.BIG ? ((long) first << 16) | second : ((long) second << 16) | first;
  }

  /** The registers that hold {@code value} (for tests), high word first. */
  public static int[] encodeFloat32(float value, WordOrder order) {
    int bits = Float.floatToIntBits(value);
    int high = (bits >>> 16) & 0xFFFF;
    int low = bits & 0xFFFF;
    return order == WordOrder.BIG ? new int[] {high, low} : new int[] {low, high};
  }
}

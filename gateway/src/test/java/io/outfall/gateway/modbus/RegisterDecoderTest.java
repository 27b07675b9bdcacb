package io.outfall.gateway.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.config.GatewayConfig.Point;
import io.outfall.protocol.config.GatewayConfig.RegisterType;
import io.outfall.protocol.config.GatewayConfig.Table;
import io.outfall.protocol.config.GatewayConfig.WordOrder;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RegisterDecoderTest {
  static Point point(RegisterType type, WordOrder order, double scale, double offset) {
    return new Point("COD", "mg/L", Table.HOLDING, 0, type, order, scale, offset, -1);
  }

  @Test
  void sixteenBitValuesSignedAndUnsigned() {
    int[] words = {0xFFFE};
    assertThat(RegisterDecoder.decode(point(RegisterType.INT16, WordOrder.BIG, 1, 0), words, 0))
        .isEqualTo(-2);
    assertThat(RegisterDecoder.decode(point(RegisterType.UINT16, WordOrder.BIG, 1, 0), words, 0))
        .isEqualTo(65534);
  }

  @Test
  void thirtyTwoBitValuesInEitherWordOrder() {
    // 0x0001_0002 = 65538
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.UINT32, WordOrder.BIG, 1, 0), new int[] {1, 2}, 0))
        .isEqualTo(65538);
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.UINT32, WordOrder.LITTLE, 1, 0), new int[] {2, 1}, 0))
        .isEqualTo(65538);
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.INT32, WordOrder.BIG, 1, 0), new int[] {0xFFFF, 0xFFFF}, 0))
        .isEqualTo(-1);
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.UINT32, WordOrder.BIG, 1, 0), new int[] {0xFFFF, 0xFFFF}, 0))
        .isEqualTo(4294967295.0);
  }

  @Test
  void floatsRoundTripInBothOrders() {
    for (WordOrder order : WordOrder.values()) {
      int[] w = RegisterDecoder.encodeFloat32(123.25f, order);
      assertThat(RegisterDecoder.decode(point(RegisterType.FLOAT32, order, 1, 0), w, 0))
          .isEqualTo(123.25);
    }
    // The wrong order reads garbage, which is why the configuration names it.
    int[] big = RegisterDecoder.encodeFloat32(123.25f, WordOrder.BIG);
    assertThat(RegisterDecoder.decode(point(RegisterType.FLOAT32, WordOrder.LITTLE, 1, 0), big, 0))
        .isNotEqualTo(123.25);
  }

  @Test
  void scaleAndOffsetGiveEngineeringUnits() {
    // A meter counting 0.1 kWh steps, and a temperature transmitter reporting tenths above -50.
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.UINT32, WordOrder.BIG, 0.1, 0), new int[] {0, 12345}, 0))
        .isCloseTo(1234.5, Offset.offset(1e-9));
    assertThat(
            RegisterDecoder.decode(
                point(RegisterType.INT16, WordOrder.BIG, 0.1, -50), new int[] {765}, 0))
        .isCloseTo(26.5, Offset.offset(1e-9));
  }
}

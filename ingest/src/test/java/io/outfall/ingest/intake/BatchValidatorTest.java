package io.outfall.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
  static final Instant NOW = Instant.parse("2026-11-24T03:00:00Z");
  static final ParameterCatalog CATALOG =
      new ParameterCatalog(
          List.of(
              new ParameterCatalog.Parameter((short) 4, "pH", "pH", "quality", "pH", "pH"),
              new ParameterCatalog.Parameter((short) 6, "COD", "mg/L", "quality", "COD", "COD"),
              new ParameterCatalog.Parameter(
                  (short) 2, "flow_out", "m3/h", "flow", "Outflow", "Lưu lượng ra")));
  final BatchValidator validator =
      new BatchValidator(
          CATALOG, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(90), Duration.ofMinutes(5));
  final ReadingsCodec codec = new ReadingsCodec();

  Inbound validate(String topic, ReadingsBatch batch, PayloadFormat format) {
    return validator.validate(
        new Delivery(topic, codec.encode(batch, format), format.contentType(), () -> {}));
  }

  static Reading reading(String parameter, long ts, double value, String unit) {
    return new Reading("S1", parameter, ts, value, unit, DeviceStatus.CALIBRATING);
  }

  @Test
  void cleanBatchBecomesRowsInStorageForm() {
    long t = NOW.toEpochMilli() - 1000;
    Inbound in =
        validate(
            "outfall/v1/site/gw/readings",
            new ReadingsBatch(
                "gw",
                7,
                t,
                List.of(
                    reading("COD", t, 52.5, "mg/l"),
                    reading("flow_out", t, 120, "m³/h"),
                    reading("pH", t, 7.1, "-"))),
            PayloadFormat.JSON);
    assertThat(in.clean()).isTrue();
    assertThat(in.site()).isEqualTo("site");
    assertThat(in.seq()).isEqualTo(7);
    assertThat(in.rows())
        .containsExactly(
            new Inbound.Row("S1", (short) 6, t, 52.5, (short) 1),
            new Inbound.Row("S1", (short) 2, t, 120, (short) 1),
            new Inbound.Row("S1", (short) 4, t, 7.1, (short) 1));
  }

  @Test
  void eachBadReadingIsRefusedAloneWithItsPath() {
    long t = NOW.toEpochMilli();
    var batch =
        new ReadingsBatch(
            "gw",
            1,
            t,
            List.of(
                reading("COD", t, 50, "mg/L"),
                reading("COD", t - 1, 50, "g/L"),
                reading("nitrate", t, 1, "mg/L"),
                reading("COD", t + Duration.ofMinutes(6).toMillis(), 50, "mg/L"),
                reading("COD", t - Duration.ofDays(91).toMillis(), 50, "mg/L"),
                reading("COD", t - 2, Double.POSITIVE_INFINITY, "mg/L")));
    Inbound in = validate("outfall/v1/site/gw/readings", batch, PayloadFormat.CBOR);
    assertThat(in.rows()).hasSize(1);
    assertThat(in.rejectedUnits()).isEqualTo(5);
    assertThat(in.rejections())
        .extracting(Inbound.Rejection::reason)
        .containsExactly(
            RejectReason.UNIT_MISMATCH,
            RejectReason.UNKNOWN_PARAMETER,
            RejectReason.TIMESTAMP_OUT_OF_RANGE,
            RejectReason.TIMESTAMP_OUT_OF_RANGE,
            RejectReason.NON_FINITE_VALUE);
    assertThat(in.rejections())
        .extracting(Inbound.Rejection::path)
        .containsExactly(
            "readings[1].unit",
            "readings[2].parameter",
            "readings[3].ts",
            "readings[4].ts",
            "readings[5].value");
    assertThat(in.rejections().get(0).detail()).contains("COD is measured in mg/L, got 'g/L'");
  }

  @Test
  void messageLevelProblemsRefuseTheWholeMessage() {
    long t = NOW.toEpochMilli();
    var batch =
        new ReadingsBatch(
            "other-gw",
            1,
            t,
            List.of(reading("COD", t, 50, "mg/L"), reading("COD", t - 1, 51, "mg/L")));
    Inbound spoofed = validate("outfall/v1/site/gw/readings", batch, PayloadFormat.JSON);
    assertThat(spoofed.rows()).isEmpty();
    assertThat(spoofed.rejectedUnits()).isEqualTo(2);
    assertThat(spoofed.rejections().get(0).reason()).isEqualTo(RejectReason.GATEWAY_MISMATCH);

    Inbound wrongTopic = validate("outfall/v1/site/gw/status", batch, PayloadFormat.JSON);
    assertThat(wrongTopic.rejections().get(0).reason()).isEqualTo(RejectReason.BAD_TOPIC);

    Inbound garbage =
        validator.validate(
            new Delivery(
                "outfall/v1/site/gw/readings",
                "\u0000\u0001".getBytes(StandardCharsets.UTF_8),
                null,
                () -> {}));
    assertThat(garbage.rejections().get(0).reason()).isEqualTo(RejectReason.MALFORMED);
    assertThat(garbage.rejectedUnits()).isEqualTo(1);
    assertThat(garbage.gateway()).isEqualTo("gw");
  }
}

package io.outfall.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.RejectReason;
import io.outfall.protocol.Units;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Properties of intake's judgement of every message: whatever arrives on whatever topic, the
 * validator answers (never throws); a message it can read has each of its readings either stored or
 * refused with exactly the reason the rules give (unknown parameter, unit mismatch, NaN or infinite
 * value, time stamp outside [now − 90 days, now + 5 min]); a message it cannot read is refused
 * whole with a reason. Bounded tries; jqwik prints the seed of a failure.
 */
class BatchValidatorPropertyTest {
  static final long NOW = BatchValidatorTest.NOW.toEpochMilli();
  final BatchValidator validator = new BatchValidatorTest().validator;
  final ReadingsCodec codec = new ReadingsCodec();

  @Property(tries = 2000)
  void anyDeliveryIsAnsweredNeverThrown(
      @ForAll("topics") String topic,
      @ForAll @Size(max = 512) byte[] payload,
      @ForAll("contentTypes") String contentType) {
    Inbound in = validator.validate(new Delivery(topic, payload, contentType, () -> {}));
    assertThat(in.rows()).isEmpty(); // random bytes are never a batch
    assertThat(in.rejections()).hasSize(1);
    assertThat(in.rejections().get(0).reason()).isNotNull();
  }

  @Property(tries = 1000)
  void eachReadingIsStoredOrRefusedForExactlyItsReason(
      @ForAll("readings") List<Reading> readings, @ForAll PayloadFormat format) {
    ReadingsBatch batch = new ReadingsBatch("gw", 1, NOW, readings);
    Inbound in =
        validator.validate(
            new Delivery(
                "outfall/v1/site/gw/readings",
                codec.encode(batch, format),
                format.contentType(),
                () -> {}));
    int firstNonFinite = -1;
    for (int i = readings.size() - 1; i >= 0; i--)
      if (!Double.isFinite(readings.get(i).value())) firstNonFinite = i;
    if (format == PayloadFormat.JSON && firstNonFinite >= 0) {
      // JSON has no NaN or infinity: the encoder writes a string, and the message is refused whole
      assertThat(in.rows()).isEmpty();
      assertThat(in.rejections()).hasSize(1);
      assertThat(in.rejections().get(0).reason()).isEqualTo(RejectReason.INVALID_FIELD);
      assertThat(in.rejections().get(0).path()).isEqualTo("readings[" + firstNonFinite + "].value");
      assertThat(in.rejectedUnits()).isEqualTo(1);
      return;
    }
    int stored = 0;
    int refused = 0;
    for (int i = 0; i < readings.size(); i++) {
      RejectReason expected = expectedReason(readings.get(i));
      if (expected == null) {
        Inbound.Row row = in.rows().get(stored++);
        assertThat(row.timestampMs()).isEqualTo(readings.get(i).timestampMs());
        assertThat(row.value()).isEqualTo(readings.get(i).value());
      } else {
        Inbound.Rejection r = in.rejections().get(refused++);
        assertThat(r.reason()).as(readings.get(i).toString()).isEqualTo(expected);
        assertThat(r.path()).startsWith("readings[" + i + "]");
      }
    }
    assertThat(in.rows()).hasSize(stored);
    assertThat(in.rejections()).hasSize(refused);
  }

  /** The rules, written out again independently of the validator. */
  private static RejectReason expectedReason(Reading r) {
    String unit =
        switch (r.parameter()) {
          case "pH" -> "pH";
          case "COD" -> "mg/L";
          case "flow_out" -> "m3/h";
          default -> null;
        };
    if (unit == null) return RejectReason.UNKNOWN_PARAMETER;
    if (!Units.same(unit, r.unit())) return RejectReason.UNIT_MISMATCH;
    if (!Double.isFinite(r.value())) return RejectReason.NON_FINITE_VALUE;
    if (r.timestampMs() < NOW - Duration.ofDays(90).toMillis()
        || r.timestampMs() > NOW + Duration.ofMinutes(5).toMillis())
      return RejectReason.TIMESTAMP_OUT_OF_RANGE;
    return null;
  }

  @Provide
  Arbitrary<List<Reading>> readings() {
    Arbitrary<String> parameters = Arbitraries.of("pH", "COD", "flow_out", "BOD5", "cod", "x");
    Arbitrary<String> units = Arbitraries.of("pH", "-", "mg/L", "mg/l", "m3/h", "m³/h", "g/L", "%");
    Arbitrary<Long> times =
        Arbitraries.oneOf(
            Arbitraries.longs().between(NOW - Duration.ofDays(89).toMillis(), NOW),
            Arbitraries.longs().between(0, Long.MAX_VALUE),
            Arbitraries.of(
                NOW + Duration.ofMinutes(5).toMillis(),
                NOW + Duration.ofMinutes(5).toMillis() + 1,
                NOW - Duration.ofDays(90).toMillis(),
                NOW - Duration.ofDays(90).toMillis() - 1));
    // CBOR carries NaN and infinities to the validator; JSON cannot (see above)
    Arbitrary<Double> values =
        Arbitraries.oneOf(
            Arbitraries.doubles(),
            Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
    return Combinators.combine(parameters, times, values, units, Arbitraries.of(DeviceStatus.class))
        .as((p, t, v, u, s) -> new Reading("S1", p, t, v, u, s))
        .list()
        .ofMinSize(1)
        .ofMaxSize(30);
  }

  @Provide
  Arbitrary<String> topics() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(80),
        Arbitraries.of(
            "outfall/v1/site/gw/readings",
            "outfall/v1/site/gw/status",
            "outfall/v1/site/gw",
            "outfall/v1/../gw/readings",
            "outfall/v1/site/gw/readings/extra",
            "outfall/v1/s i t e/gw/readings",
            ""));
  }

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            PayloadFormat.JSON.contentType(), PayloadFormat.CBOR.contentType(), "text/plain"),
        Arbitraries.strings().ofMaxLength(40).injectNull(0.2));
  }
}

package io.outfall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the readings decoder, the first code that touches what a gateway (or anyone who
 * reaches the broker) sends: every valid batch survives a round trip in both formats, and no input
 * whatever — random bytes, valid payloads damaged byte by byte or cut short, hostile shapes — makes
 * it fail other than with a {@link PayloadException} that names a reason. Each property runs a
 * bounded number of tries (jqwik's seed is printed on failure, so a finding can be replayed).
 */
class ReadingsCodecPropertyTest {
  final ReadingsCodec codec = new ReadingsCodec();

  @Property(tries = 500)
  void everyValidBatchSurvivesARoundTrip(
      @ForAll("batches") ReadingsBatch batch, @ForAll PayloadFormat format) throws Exception {
    assertThat(codec.decode(codec.encode(batch, format), format)).isEqualTo(batch);
  }

  @Property(tries = 3000)
  void randomBytesAreRefusedWithAReason(
      @ForAll @Size(max = 2048) byte[] payload, @ForAll PayloadFormat format) {
    assertOnlyRefusedWithAReason(payload, format);
  }

  @Property(tries = 3000)
  void damagedPayloadsAreDecodedOrRefusedWithAReason(
      @ForAll("batches") ReadingsBatch batch,
      @ForAll PayloadFormat format,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where,
      @ForAll byte with,
      @ForAll @IntRange(min = 0, max = 3) int how) {
    byte[] p = codec.encode(batch, format);
    int i = where % p.length;
    byte[] damaged =
        switch (how) {
          case 0 -> replaced(p, i, with);
          case 1 -> Arrays.copyOf(p, i); // cut short
          case 2 -> inserted(p, i, with);
          default -> removed(p, i);
        };
    assertOnlyRefusedWithAReason(damaged, format);
  }

  @Property(tries = 300)
  void hostileShapesAreRefusedWithAReason(@ForAll("hostile") String json) {
    assertOnlyRefusedWithAReason(json.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON);
  }

  /** Decodes, or refuses with a reason; anything else (an NPE, a stack overflow) is a bug. */
  private void assertOnlyRefusedWithAReason(byte[] payload, PayloadFormat format) {
    try {
      ReadingsBatch b = codec.decode(payload, format);
      assertThat(b.readings()).isNotEmpty().hasSizeLessThanOrEqualTo(ReadingsCodec.MAX_READINGS);
      for (Reading r : b.readings()) {
        assertThat(Topics.isValidId(r.station())).isTrue();
        assertThat(r.timestampMs()).isNotNegative();
        assertThat(r.status()).isNotNull();
      }
    } catch (PayloadException e) {
      assertThat(e.reason()).isNotNull();
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<ReadingsBatch> batches() {
    Arbitrary<String> ids =
        Arbitraries.strings().withChars("AZaz09-_").ofMinLength(1).ofMaxLength(64);
    // any text a Java string can hold as Unicode: every character but lone surrogates
    Arbitrary<String> texts =
        Arbitraries.strings()
            .withCharRange('\u0000', '\uD7FF')
            .withCharRange('\uE000', '\uFFFF')
            .ofMinLength(1)
            .ofMaxLength(64);
    Arbitrary<Double> values =
        Arbitraries.oneOf(
            Arbitraries.doubles(),
            Arbitraries.of(0.0, -0.0, Double.MAX_VALUE, Double.MIN_VALUE, -1e308, 1e-300));
    Arbitrary<Reading> readings =
        Combinators.combine(
                ids,
                texts,
                Arbitraries.longs().between(0, Long.MAX_VALUE),
                values,
                texts,
                Arbitraries.of(DeviceStatus.class))
            .as(Reading::new);
    return Combinators.combine(
            ids,
            Arbitraries.longs().between(0, Long.MAX_VALUE),
            Arbitraries.longs().between(0, Long.MAX_VALUE),
            readings.list().ofMinSize(1).ofMaxSize(20))
        .as(ReadingsBatch::new);
  }

  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<Integer> depth = Arbitraries.integers().between(1, 5000);
    return Arbitraries.oneOf(
        depth.map(n -> "[".repeat(n) + "]".repeat(n)),
        depth.map(n -> "{\"v\":1,\"readings\":" + "[".repeat(n)),
        depth.map(
            n ->
                "{\"v\":1,\"gateway\":\"g\",\"seq\":1,\"sent\":1,\"readings\":["
                    + reading("1e" + n)
                    + "]}"),
        Arbitraries.of(
            "{\"v\":1,\"gateway\":\"g\",\"seq\":1,\"sent\":1,\"readings\":["
                + reading("NaN")
                + "]}",
            "{\"v\":1,\"gateway\":\"g\",\"seq\":1,\"sent\":1,\"readings\":["
                + reading("Infinity")
                + "]}",
            "{\"v\":1,\"gateway\":\"g\",\"seq\":99999999999999999999999,\"sent\":1,\"readings\":[]}",
            "{\"v\":1,\"v\":1}",
            "{\"v\":2}",
            "{\"v\":1,\"gateway\":null}",
            "null",
            "\"\\ud800\"",
            "{\"v\":1,\"gateway\":\"g\",\"seq\":-1,\"sent\":1,\"readings\":[]}"),
        Arbitraries.integers()
            .between(1, 12_000)
            .map(
                n -> {
                  List<String> many = new ArrayList<>();
                  for (int i = 0; i < n; i++) many.add(reading("1"));
                  return "{\"v\":1,\"gateway\":\"g\",\"seq\":1,\"sent\":1,\"readings\":["
                      + String.join(",", many)
                      + "]}";
                }));
  }

  private static String reading(String value) {
    return "{\"station\":\"S\",\"parameter\":\"COD\",\"ts\":1,\"value\":"
        + value
        + ",\"unit\":\"mg/L\",\"status\":\"00\"}";
  }

  private static byte[] replaced(byte[] p, int i, byte b) {
    byte[] out = p.clone();
    out[i] = b;
    return out;
  }

  private static byte[] inserted(byte[] p, int i, byte b) {
    byte[] out = new byte[p.length + 1];
    System.arraycopy(p, 0, out, 0, i);
    out[i] = b;
    System.arraycopy(p, i, out, i + 1, p.length - i);
    return out;
  }

  private static byte[] removed(byte[] p, int i) {
    byte[] out = new byte[p.length - 1];
    System.arraycopy(p, 0, out, 0, i);
    System.arraycopy(p, i + 1, out, i, p.length - i - 1);
    return out;
  }
}

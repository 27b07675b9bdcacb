package io.outfall.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ReadingsCodecTest {
  final ReadingsCodec codec = new ReadingsCodec();

  static ReadingsBatch sample() {
    return new ReadingsBatch(
        "hn-phu-nghia-gw1",
        48213,
        1795509005123L,
        List.of(
            new Reading(
                "PHUNGHIA-OUT", "COD", 1795509000000L, 52.4, "mg/L", DeviceStatus.MEASURING),
            new Reading(
                "PHUNGHIA-OUT",
                "NH4_N",
                1795509000000L,
                0.1 + 0.2,
                "mg/L",
                DeviceStatus.CALIBRATING),
            new Reading("PHUNGHIA-OUT", "pH", 1795509000000L, -0.0, "pH", DeviceStatus.FAULT)));
  }

  @ParameterizedTest
  @EnumSource(PayloadFormat.class)
  void roundTripsExactly(PayloadFormat format) throws Exception {
    ReadingsBatch batch = sample();
    assertThat(codec.decode(codec.encode(batch, format), format)).isEqualTo(batch);
  }

  @Test
  void cborIsTheCompactForm() {
    // Measured: about a quarter smaller for typical readings (field names stay, numbers shrink).
    double json = codec.encode(sample(), PayloadFormat.JSON).length;
    assertThat((double) codec.encode(sample(), PayloadFormat.CBOR).length).isLessThan(json * 0.8);
  }

  @Test
  void theExampleInTheProtocolDocumentDecodes() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "protocol.md"));
    var m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    assertThat(m.find()).as("protocol.md has a JSON example").isTrue();
    ReadingsBatch batch = codec.decode(m.group(1).getBytes(StandardCharsets.UTF_8));
    assertThat(batch.gateway()).isEqualTo("hn-phu-nghia-gw1");
    assertThat(batch.readings()).hasSize(3);
    assertThat(batch.readings().get(2).status()).isEqualTo(DeviceStatus.CALIBRATING);
  }

  @ParameterizedTest(name = "{0} -> {1} at {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          {"v":1,"gateway":"g","seq":1                                                              | MALFORMED           | ''
          not json                                                                                    | MALFORMED           | ''
          {"v":1,"v":1}                                                                               | MALFORMED           | v
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"}],"readings":[]} | MALFORMED | readings
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"value":2,"unit":"mg/L","status":"00"}]} | MALFORMED | readings[0].value
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"},{"station":"S","station":"T","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"}]} | MALFORMED | readings[1].station
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"}]} | MISSING_FIELD | readings[0].station
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","value":1,"status":"00"}]} | MISSING_FIELD | readings[0].ts
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"},7]} | INVALID_FIELD | readings[1]
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S p","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"}]} | INVALID_FIELD | readings[0].station
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00"}]} trailing | MALFORMED | ''
          []                                                                                          | INVALID_FIELD       | ''
          {"v":2,"gateway":"g"}                                                                       | UNSUPPORTED_VERSION | v
          {"gateway":"g","readings":[]}                                                               | MISSING_FIELD       | v
          {"v":1,"gateway":"g","seq":1,"sent":1}                                                      | MISSING_FIELD       | readings
          {"v":1,"gateway":"g/h","seq":1,"sent":1,"readings":[]}                                      | INVALID_FIELD       | gateway
          {"v":1,"gateway":"g","seq":-1,"sent":1,"readings":[]}                                       | INVALID_FIELD       | seq
          {"v":1,"gateway":"g","seq":1.5,"sent":1,"readings":[]}                                      | INVALID_FIELD       | seq
          {"v":1,"gateway":"g","seq":99999999999999999999,"sent":1,"readings":[]}                     | INVALID_FIELD       | seq
          {"v":1,"gateway":"g","seq":1,"sent":1,"extra":0,"readings":[]}                              | UNKNOWN_FIELD       | extra
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[]}                                        | EMPTY_BATCH         | readings
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":"1","unit":"mg/L","status":"00"}]} | INVALID_FIELD | readings[0].value
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"03"}]}   | INVALID_FIELD | readings[0].status
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"status":"00"}]}                 | MISSING_FIELD | readings[0].unit
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"","status":"00"}]}       | INVALID_FIELD | readings[0].unit
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":NaN,"unit":"mg/L","status":"00"}]} | MALFORMED     | ''
          {"v":1,"gateway":"g","seq":1,"sent":1,"readings":[{"station":"S","parameter":"COD","ts":1,"value":1,"unit":"mg/L","status":"00","x":1}]} | UNKNOWN_FIELD | readings[0].x
          """)
  void refusesWithReasonAndPath(String json, RejectReason reason, String path) {
    assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            PayloadException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.path()).isEqualTo(path);
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void refusesOversizedAndOverfullBatches() {
    assertThatThrownBy(() -> codec.decode(new byte[ReadingsCodec.MAX_PAYLOAD_BYTES + 1]))
        .isInstanceOfSatisfying(
            PayloadException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE));
    var many = new ArrayList<Reading>();
    for (int i = 0; i <= ReadingsCodec.MAX_READINGS; i++)
      many.add(new Reading("S", "COD", i, 1, "mg/L", DeviceStatus.MEASURING));
    byte[] payload = codec.encode(new ReadingsBatch("g", 1, 1, many));
    assertThatThrownBy(() -> codec.decode(payload))
        .isInstanceOfSatisfying(
            PayloadException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_MANY_READINGS));
  }

  @Test
  void cborCanCarryNonFiniteValuesForIngestToRefuse() throws Exception {
    var batch =
        new ReadingsBatch(
            "g",
            1,
            1,
            List.of(new Reading("S", "COD", 1, Double.NaN, "mg/L", DeviceStatus.MEASURING)));
    assertThat(
            codec
                .decode(codec.encode(batch, PayloadFormat.CBOR), PayloadFormat.CBOR)
                .readings()
                .get(0)
                .value())
        .isNaN();
  }

  @Test
  void aFieldTwiceInCborIsRefusedToo() throws Exception {
    var out = new ByteArrayOutputStream();
    try (JsonGenerator g = new CBORFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 1);
      g.writeStringField("gateway", "g");
      g.writeNumberField("seq", 1);
      g.writeNumberField("sent", 1);
      g.writeArrayFieldStart("readings");
      g.writeStartObject();
      g.writeStringField("station", "S");
      g.writeStringField("parameter", "COD");
      g.writeNumberField("ts", 1);
      g.writeNumberField("value", 1.0);
      g.writeStringField("unit", "mg/L");
      g.writeStringField("status", "00");
      g.writeStringField("unit", "g/L");
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    }
    assertThatThrownBy(() -> codec.decode(out.toByteArray(), PayloadFormat.CBOR))
        .isInstanceOfSatisfying(
            PayloadException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED);
              assertThat(e.getMessage())
                  .isEqualTo("readings[0].unit: the field appears more than once");
            });
  }

  @Test
  void malformedDetailSaysWhere() {
    assertThatThrownBy(
            () ->
                codec.decode(
                    "{\"v\":1,\"gateway\":\"g\",\"seq\":1".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("line 1, column")
        .hasMessageNotContaining("Source");
  }
}

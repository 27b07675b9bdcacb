package io.outfall.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and strictly decodes readings batches (schema version 1).
 *
 * <p>Decoding walks the token stream once with Jackson's streaming parser: no tree, no reflection,
 * one small object per reading. The same walk serves JSON and CBOR because both parsers emit the
 * same tokens. Every refusal names the reason and the path of the offending element.
 *
 * <p>Thread-safe; share one instance.
 */
public final class ReadingsCodec {
  public static final int SCHEMA_VERSION = 1;

  /** Largest accepted payload. A gateway splits larger batches. */
  public static final int MAX_PAYLOAD_BYTES = 1024 * 1024;

  /** Most readings in one batch. */
  public static final int MAX_READINGS = 10_000;

  private static final int MAX_TEXT = 64;

  // No StreamReadFeature.STRICT_DUPLICATE_DETECTION: it kept a HashSet of the names of every
  // object, a tenth of decoding (JFR, 2026-12-03). The walk below refuses a repeated field itself.
  // Fast double parsing and writing (Jackson's own, correctly rounded): on JDK 17 a value of 15-17
  // digits goes through the JDK's slow path, about a fifth of decoding a batch (JFR, 2026-12-03).
  private final JsonFactory json =
      new JsonFactoryBuilder()
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();
  private final CBORFactory cbor = new CBORFactory();

  public byte[] encode(ReadingsBatch batch) {
    return encode(batch, PayloadFormat.JSON);
  }

  public byte[] encode(ReadingsBatch batch, PayloadFormat format) {
    var out = new ByteArrayOutputStream(64 + batch.readings().size() * 110);
    try (JsonGenerator g = factory(format).createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", batch.schemaVersion());
      g.writeStringField("gateway", batch.gateway());
      g.writeNumberField("seq", batch.seq());
      g.writeNumberField("sent", batch.sentAtMs());
      g.writeArrayFieldStart("readings");
      for (Reading r : batch.readings()) {
        g.writeStartObject();
        g.writeStringField("station", r.station());
        g.writeStringField("parameter", r.parameter());
        g.writeNumberField("ts", r.timestampMs());
        g.writeNumberField("value", r.value());
        g.writeStringField("unit", r.unit());
        g.writeStringField("status", r.status().code());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory output: cannot happen
    }
    return out.toByteArray();
  }

  public ReadingsBatch decode(byte[] payload) throws PayloadException {
    return decode(payload, PayloadFormat.JSON);
  }

  public ReadingsBatch decode(byte[] payload, PayloadFormat format) throws PayloadException {
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new PayloadException(
          RejectReason.TOO_LARGE,
          "",
          "payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD_BYTES);
    }
    if (payload.length == 0) {
      throw new PayloadException(RejectReason.MALFORMED, "", "empty payload");
    }
    try (JsonParser p = factory(format).createParser(payload)) {
      ReadingsBatch batch = readBatch(p);
      if (p.nextToken() != null) {
        throw new PayloadException(RejectReason.MALFORMED, "", "trailing content after the batch");
      }
      return batch;
    } catch (JsonParseException e) {
      throw new PayloadException(RejectReason.MALFORMED, "", syntaxError(e));
    } catch (IOException e) {
      throw new PayloadException(RejectReason.MALFORMED, "", String.valueOf(e.getMessage()));
    }
  }

  /** Jackson's message without its source excerpt, plus where: "… at line 1, column 31". */
  private static String syntaxError(JsonParseException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int cut = m.indexOf(" (start marker at");
    if (cut < 0) cut = m.indexOf("\n");
    if (cut >= 0) m = m.substring(0, cut);
    var at = e.getLocation();
    return at == null ? m : m + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  private JsonFactory factory(PayloadFormat format) {
    return format == PayloadFormat.CBOR ? cbor : json;
  }

  private ReadingsBatch readBatch(JsonParser p) throws IOException, PayloadException {
    expect(p, p.nextToken(), JsonToken.START_OBJECT, "", "an object");
    Integer version = null;
    String gateway = null;
    Long seq = null;
    Long sent = null;
    List<Reading> readings = null;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "v" -> {
          once(version, field);
          version = (int) readLong(p, value, "v", 1, Integer.MAX_VALUE);
        }
        case "gateway" -> {
          once(gateway, field);
          gateway = readId(p, value, "gateway");
        }
        case "seq" -> {
          once(seq, field);
          seq = readLong(p, value, "seq", 0, Long.MAX_VALUE);
        }
        case "sent" -> {
          once(sent, field);
          sent = readLong(p, value, "sent", 0, Long.MAX_VALUE);
        }
        case "readings" -> {
          once(readings, field);
          if (version == null) {
            // Fields are read in one pass; the version must come first so that we know how to read.
            throw new PayloadException(
                RejectReason.MISSING_FIELD, "v", "schema version must precede readings");
          }
          readings = readReadings(p, value);
        }
        default ->
            throw new PayloadException(RejectReason.UNKNOWN_FIELD, field, "unknown field in v1");
      }
      if (field.equals("v") && version != SCHEMA_VERSION) {
        throw new PayloadException(
            RejectReason.UNSUPPORTED_VERSION,
            "v",
            "schema version " + version + " is not supported (supported: " + SCHEMA_VERSION + ")");
      }
    }
    require(version, "v");
    require(gateway, "gateway");
    require(seq, "seq");
    require(sent, "sent");
    require(readings, "readings");
    return new ReadingsBatch(version, gateway, seq, sent, readings);
  }

  private List<Reading> readReadings(JsonParser p, JsonToken t)
      throws IOException, PayloadException {
    expect(p, t, JsonToken.START_ARRAY, "readings", "an array");
    List<Reading> readings = new ArrayList<>();
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (readings.size() == MAX_READINGS) {
        throw new PayloadException(
            RejectReason.TOO_MANY_READINGS, "readings", "more than " + MAX_READINGS + " readings");
      }
      try {
        readings.add(readReading(p, t));
      } catch (PayloadException e) {
        throw e.under("readings[" + readings.size() + "]"); // the path only when it is needed
      }
    }
    if (readings.isEmpty()) {
      throw new PayloadException(RejectReason.EMPTY_BATCH, "readings", "no readings");
    }
    return readings;
  }

  /** Bits of {@link #readReading}'s fields, in the order a missing one is named. */
  private static final String[] READING_FIELDS = {
    "station", "parameter", "ts", "value", "unit", "status"
  };

  private static final int EVERY_READING_FIELD = (1 << READING_FIELDS.length) - 1;

  /**
   * One reading; paths relative to it (the caller puts {@code readings[i]} in front when it
   * refuses), so that a good reading builds no path at all.
   */
  private Reading readReading(JsonParser p, JsonToken t) throws IOException, PayloadException {
    expect(p, t, JsonToken.START_OBJECT, "", "an object");
    String station = null;
    String parameter = null;
    long ts = 0;
    double value = 0;
    String unit = null;
    DeviceStatus status = null;
    int seen = 0;
    for (t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "station" -> {
          seen = once(seen, 0, field);
          station = readId(p, v, field);
        }
        case "parameter" -> {
          seen = once(seen, 1, field);
          parameter = readText(p, v, field);
        }
        case "ts" -> {
          seen = once(seen, 2, field);
          ts = readLong(p, v, field, 0, Long.MAX_VALUE);
        }
        case "value" -> {
          seen = once(seen, 3, field);
          if (!v.isNumeric()) {
            throw new PayloadException(RejectReason.INVALID_FIELD, field, "expected a number");
          }
          value = p.getDoubleValue(); // NaN/Infinity can only come from CBOR; ingest refuses them
        }
        case "unit" -> {
          seen = once(seen, 4, field);
          unit = readText(p, v, field);
        }
        case "status" -> {
          seen = once(seen, 5, field);
          status = DeviceStatus.ofCode(readText(p, v, field));
          if (status == null) {
            throw new PayloadException(
                RejectReason.INVALID_FIELD, field, "expected \"00\", \"01\" or \"02\"");
          }
        }
        default -> throw new PayloadException(RejectReason.UNKNOWN_FIELD, field, "unknown field");
      }
    }
    if (seen != EVERY_READING_FIELD) {
      int missing = Integer.numberOfTrailingZeros(~seen);
      throw new PayloadException(RejectReason.MISSING_FIELD, READING_FIELDS[missing], "required");
    }
    return new Reading(station, parameter, ts, value, unit, status);
  }

  /** {@code seen} with field {@code bit} marked; refuses a field the object already had. */
  private static int once(int seen, int bit, String field) throws PayloadException {
    if ((seen & 1 << bit) != 0) throw repeated(field);
    return seen | 1 << bit;
  }

  /** Refuses a field the object already had ({@code current} not null). */
  private static void once(Object current, String field) throws PayloadException {
    if (current != null) throw repeated(field);
  }

  private static PayloadException repeated(String field) {
    return new PayloadException(RejectReason.MALFORMED, field, "the field appears more than once");
  }

  private static long readLong(JsonParser p, JsonToken t, String path, long min, long max)
      throws IOException, PayloadException {
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw new PayloadException(RejectReason.INVALID_FIELD, path, "expected an integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new PayloadException(RejectReason.INVALID_FIELD, path, "integer out of range");
    }
    long v = p.getLongValue();
    if (v < min || v > max) {
      throw new PayloadException(
          RejectReason.INVALID_FIELD, path, v + " is outside [" + min + ", " + max + "]");
    }
    return v;
  }

  private static String readText(JsonParser p, JsonToken t, String path)
      throws IOException, PayloadException {
    if (t != JsonToken.VALUE_STRING) {
      throw new PayloadException(RejectReason.INVALID_FIELD, path, "expected a string");
    }
    String s = p.getText();
    if (s.isEmpty() || s.length() > MAX_TEXT) {
      throw new PayloadException(
          RejectReason.INVALID_FIELD, path, "expected 1 to " + MAX_TEXT + " characters");
    }
    return s;
  }

  private static String readId(JsonParser p, JsonToken t, String path)
      throws IOException, PayloadException {
    String s = readText(p, t, path);
    if (!Topics.isValidId(s)) {
      throw new PayloadException(
          RejectReason.INVALID_FIELD, path, "'" + s + "' is not an id of [A-Za-z0-9_-]");
    }
    return s;
  }

  private static void expect(JsonParser p, JsonToken t, JsonToken want, String path, String what)
      throws PayloadException {
    if (t != want) {
      throw new PayloadException(
          t == null ? RejectReason.MALFORMED : RejectReason.INVALID_FIELD,
          path,
          "expected " + what + (t == null ? ", got end of input" : ", got " + t.name()));
    }
  }

  private static void require(Object value, String path) throws PayloadException {
    if (value == null) {
      throw new PayloadException(RejectReason.MISSING_FIELD, path, "required");
    }
  }
}

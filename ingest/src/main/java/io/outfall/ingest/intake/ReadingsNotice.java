package io.outfall.ingest.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One live notice of stored readings ({@code NOTIFY outfall_readings}, which the writer sends at
 * commit: {@link StoredBatch#notices}), as its listeners read it: a station's newest reading of
 * each parameter in one transaction, and how many of the station's readings that transaction stored
 * ({@code stored}: more than the newest ones means a backlog).
 *
 * <p>Read with Jackson's streaming parser, and without the values: every ingest reads every notice
 * (one per station and transaction, 500 a transaction at a province's rate), and a tree of {@code
 * JsonObject}s with each value parsed as a double cost the overview's listener about a quarter of
 * the writer's time (JFR, docs/performance.md). Pages take a notice's text as it is.
 */
public record ReadingsNotice(String station, int stored, List<Newest> newest) {

  /** A parameter's newest reading in the transaction: its time and device status code. */
  public record Newest(String parameter, long timestampMs, int status) {}

  private static final JsonFactory JSON = new JsonFactory();

  /** Reads a notice's text; {@link IllegalArgumentException} when it is not one. */
  public static ReadingsNotice parse(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw notOne(text, "not an object");
      String station = null;
      int stored = -1;
      List<Newest> newest = List.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "station" -> station = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "n" -> stored = p.getIntValue();
          case "readings" -> newest = newest(p, value);
          default -> p.skipChildren();
        }
      }
      if (station == null) throw notOne(text, "no station");
      return new ReadingsNotice(station, stored < 0 ? newest.size() : stored, newest);
    } catch (IOException e) {
      throw notOne(text, e.getMessage());
    }
  }

  /** {@code [[parameter, ms, value, status], ...]}; the value is skipped, never parsed. */
  private static List<Newest> newest(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) throw new IOException("readings is not an array");
    List<Newest> newest = new ArrayList<>(4);
    while (p.nextToken() == JsonToken.START_ARRAY) {
      p.nextToken();
      String parameter = p.getText();
      p.nextToken();
      long ms = p.getLongValue();
      p.nextToken(); // the value: a number token, left unparsed
      p.nextToken();
      int status = p.getIntValue();
      while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
      newest.add(new Newest(parameter, ms, status));
    }
    return newest;
  }

  private static IllegalArgumentException notOne(String text, String why) {
    String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
    return new IllegalArgumentException("not a readings notice (" + why + "): " + shown);
  }
}

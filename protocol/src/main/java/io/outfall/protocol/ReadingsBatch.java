package io.outfall.protocol;

import java.util.List;

/**
 * The payload of a readings message: many readings from one gateway, sent together.
 *
 * @param schemaVersion payload schema version ({@link ReadingsCodec#SCHEMA_VERSION} when encoded
 *     here)
 * @param gateway id of the sending gateway; must equal the gateway segment of the topic
 * @param seq batch sequence number, monotonic per gateway and surviving restarts; a resent batch
 *     keeps its number
 * @param sentAtMs gateway clock when the batch was first sent, UTC epoch ms (for clock-skew checks)
 * @param readings at least one reading
 */
public record ReadingsBatch(
    int schemaVersion, String gateway, long seq, long sentAtMs, List<Reading> readings) {

  public ReadingsBatch {
    readings = List.copyOf(readings);
  }

  public ReadingsBatch(String gateway, long seq, long sentAtMs, List<Reading> readings) {
    this(ReadingsCodec.SCHEMA_VERSION, gateway, seq, sentAtMs, readings);
  }
}

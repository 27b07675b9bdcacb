package io.outfall.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * One field of a JSON object read without the rest, for readers that see many documents and want
 * one thing of each (the station a live notice is about, a batch's {@code seq} in a benchmark): the
 * streaming parser skips every other field's value whole, building nothing.
 */
public final class JsonFields {
  private JsonFields() {}

  /**
   * Moves {@code p}, at the start of a document, to the value of the top-level object's field
   * {@code name}; answers that value's token, or null when the document is not an object or has no
   * such field (a field of the same name inside another value is not it).
   */
  public static JsonToken seek(JsonParser p, String name) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) return null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      boolean found = p.currentName().equals(name);
      JsonToken value = p.nextToken();
      if (found) return value;
      p.skipChildren();
    }
    return null;
  }
}

package io.outfall.ingest.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON an answer writes itself with Jackson's generator, for answers too large to build as a tree
 * of {@code JsonObject}s first (a day's chart, a province's overview); {@link Responder#encoded}
 * sends it.
 */
public final class WrittenJson {
  private static final JsonFactory JSON = new JsonFactory();

  /** Writes one JSON value. */
  public interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private WrittenJson() {}

  public static Buffer of(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return Buffer.buffer(out.toByteArray());
  }
}

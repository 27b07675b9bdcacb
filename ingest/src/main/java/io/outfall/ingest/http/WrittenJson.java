package io.outfall.ingest.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON an answer writes itself with Jackson's generator, for answers too large to build as a tree
 * of {@code JsonObject}s first (a day's chart, a province's overview); {@link Responder#encoded}
 * sends it.
 *
 * <p>Written into chunks of {@value #CHUNK} bytes that the answer sends as they are, never into one
 * growing array: a province's overview is 325 KB, and a growing array passes through 512 KB, which
 * at the ingest's 256 MB heap is a "humongous" object of its own G1 region. Each of those started a
 * concurrent collection: with the overview and a station's chart asked for every second, one every
 * four seconds, their pauses (15-44 ms) the tail of every page's answers (JFR, bench-fleet's live
 * phase, 2026-12-05). Chunks are also never copied.
 */
public final class WrittenJson {
  private static final JsonFactory JSON = new JsonFactory();

  /** Far below half of G1's smallest region (1 MB), the size from which an array is humongous. */
  public static final int CHUNK = 64 * 1024;

  /** Writes one JSON value. */
  public interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private WrittenJson() {}

  public static Buffer of(Body body) {
    Chunks out = new Chunks();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // chunks in memory do not fail
    }
    return BufferInternal.buffer(out.joined());
  }

  /**
   * One JSON value as text: for a small part kept to be written raw into larger answers (a cluster
   * of the overview), which needs neither a chunk of {@value #CHUNK} bytes nor bytes at all.
   */
  public static String text(Body body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /** Bytes in chunks of {@link #CHUNK}, joined at the end without a copy. */
  private static final class Chunks extends OutputStream {
    private final List<ByteBuf> full = new ArrayList<>();
    private byte[] chunk = new byte[CHUNK];
    private int used;

    @Override
    public void write(int b) {
      if (used == CHUNK) next();
      chunk[used++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        if (used == CHUNK) next();
        int n = Math.min(len, CHUNK - used);
        System.arraycopy(b, off, chunk, used, n);
        used += n;
        off += n;
        len -= n;
      }
    }

    private void next() {
      full.add(Unpooled.wrappedBuffer(chunk));
      chunk = new byte[CHUNK];
      used = 0;
    }

    ByteBuf joined() {
      List<ByteBuf> all = new ArrayList<>(full);
      all.add(Unpooled.wrappedBuffer(chunk, 0, used));
      return all.size() == 1 ? all.get(0) : Unpooled.wrappedBuffer(all.toArray(ByteBuf[]::new));
    }
  }
}

package io.outfall.ingest.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Readings in PostgreSQL's binary {@code COPY} format, into a table with the readings' columns
 * ({@code station_id int, parameter_id smallint, ts timestamptz, value float8, status smallint}).
 *
 * <p>Why binary: the server parses no text (a timestamp in text is the most expensive field of the
 * five), and the rows are 46 bytes each whatever the values. Rows are sent in pieces of about 64 KB
 * as they are added, so a transaction of 20,000 readings never sits whole in memory.
 */
public final class ReadingCopy implements AutoCloseable {
  private static final byte[] HEADER = {
    'P',
    'G',
    'C',
    'O',
    'P',
    'Y',
    '\n',
    (byte) 0xff,
    '\r',
    '\n',
    0, // signature
    0,
    0,
    0,
    0, // flags: no OIDs
    0,
    0,
    0,
    0 // no header extension
  };

  /** Milliseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for binary timestamps. */
  private static final long POSTGRES_EPOCH_MS = 946_684_800_000L;

  private static final int ROW_BYTES = 46;
  private static final int TRAILER_BYTES = 2;
  private static final int FLUSH_AT = 64 * 1024;

  private final CopyIn copy;
  private final Rows rows;

  private ReadingCopy(CopyIn copy, int rows) {
    this.copy = copy;
    // sized to the rows to come: a live message is a few dozen rows, and a buffer of the flush
    // size for each was most of what the writer allocated under a province's live load
    this.rows =
        new Rows(
            HEADER.length + Math.min(rows, FLUSH_AT / ROW_BYTES + 1) * ROW_BYTES + TRAILER_BYTES);
  }

  /**
   * Starts {@code COPY table FROM STDIN} on {@code c} for about {@code rows} rows ({@link #add}
   * grows the buffer if more come); {@link #finish()} ends it.
   */
  public static ReadingCopy into(Connection c, String table, int rows) throws SQLException {
    ReadingCopy rc =
        new ReadingCopy(
            c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY "
                        + table
                        + " (station_id, parameter_id, ts, value, status) FROM STDIN (FORMAT binary)"),
            rows);
    rc.rows.header();
    return rc;
  }

  public void add(int stationId, short parameterId, long timestampMs, double value, short status)
      throws SQLException {
    rows.add(stationId, parameterId, timestampMs, value, status);
    if (rows.length >= FLUSH_AT) flush();
  }

  /** Sends rows encoded beforehand (a benchmark's, built before its clock starts). */
  public void add(Rows encoded) throws SQLException {
    flush();
    for (int off = 0; off < encoded.length; off += 1 << 20)
      copy.writeToCopy(encoded.bytes, off, Math.min(1 << 20, encoded.length - off));
  }

  /**
   * Sends the rows added so far now, rather than when a piece is full: the server stores them while
   * the caller waits for more.
   */
  public void send() throws SQLException {
    flush();
    copy.flushCopy();
  }

  /** Ends the copy; the number of rows the server stored. */
  public long finish() throws SQLException {
    rows.trailer();
    flush();
    return copy.endCopy();
  }

  private void flush() throws SQLException {
    if (rows.length == 0) return;
    copy.writeToCopy(rows.bytes, 0, rows.length);
    rows.length = 0;
  }

  /**
   * Cancels a copy that was not finished (an exception on the way), leaving the connection usable.
   */
  @Override
  public void close() throws SQLException {
    if (copy.isActive()) copy.cancelCopy();
  }

  /** Rows encoded in memory, without the header and trailer that {@link ReadingCopy} adds. */
  public static final class Rows {
    private byte[] bytes;
    private int length;

    public Rows(int capacity) {
      bytes = new byte[Math.max(capacity, ROW_BYTES)];
    }

    public void add(
        int stationId, short parameterId, long timestampMs, double value, short status) {
      if (length + ROW_BYTES > bytes.length)
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + ROW_BYTES));
      putShort(5); // fields
      putInt(4);
      putInt(stationId);
      putInt(2);
      putShort(parameterId);
      putInt(8);
      putLong((timestampMs - POSTGRES_EPOCH_MS) * 1_000); // microseconds since 2000-01-01
      putInt(8);
      putLong(Double.doubleToLongBits(value));
      putInt(2);
      putShort(status);
    }

    private void header() {
      System.arraycopy(HEADER, 0, bytes, 0, HEADER.length);
      length = HEADER.length;
    }

    private void trailer() {
      if (length + TRAILER_BYTES > bytes.length)
        bytes = Arrays.copyOf(bytes, length + TRAILER_BYTES);
      putShort(-1);
    }

    private void putShort(int v) {
      bytes[length++] = (byte) (v >>> 8);
      bytes[length++] = (byte) v;
    }

    private void putInt(int v) {
      bytes[length++] = (byte) (v >>> 24);
      bytes[length++] = (byte) (v >>> 16);
      bytes[length++] = (byte) (v >>> 8);
      bytes[length++] = (byte) v;
    }

    private void putLong(long v) {
      putInt((int) (v >>> 32));
      putInt((int) v);
    }
  }
}

package io.outfall.gateway.buffer;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's durable store-and-forward buffer: every reading is written here before anything
 * tries to publish it, and deleted only after the broker acknowledged the batch that carried it.
 *
 * <p>SQLite in WAL mode, one connection, every method one transaction. With {@code fsync} on (the
 * default) each append is on disk when it returns, so a power cut loses nothing that was polled;
 * off, a power cut may lose the last second or so of appends (a process crash still loses nothing).
 *
 * <p>Bounded: past {@code maxReadings} the oldest readings are dropped and counted, so a
 * months-long outage costs the oldest data, never the newest, and never the disk.
 */
public final class ReadingBuffer implements AutoCloseable {
  /** A buffered reading and its position, to delete it once it was acknowledged. */
  public record Buffered(long id, Reading reading) {}

  private final Connection c;
  private final long maxReadings;
  private long depth;
  private long dropped;

  public ReadingBuffer(Path file, long maxReadings, boolean fsync) throws SQLException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    this.c = DriverManager.getConnection("jdbc:sqlite:" + file);
    this.maxReadings = maxReadings;
    try (var st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
      st.execute(
          "CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY AUTOINCREMENT, station TEXT NOT NULL,"
              + " parameter TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, status INTEGER NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      st.execute("INSERT OR IGNORE INTO meta VALUES ('seq', 0), ('dropped', 0)");
      try (var rs = st.executeQuery("SELECT count(*) FROM readings")) {
        depth = rs.next() ? rs.getLong(1) : 0;
      }
      dropped = meta("dropped");
    }
    c.setAutoCommit(false);
  }

  /** Stores polled readings; drops the oldest beyond the bound. */
  public synchronized void append(List<Reading> readings) throws SQLException {
    if (readings.isEmpty()) return;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO readings (station, parameter, ts, value, unit, status) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (Reading r : readings) {
        ps.setString(1, r.station());
        ps.setString(2, r.parameter());
        ps.setLong(3, r.timestampMs());
        ps.setDouble(4, r.value());
        ps.setString(5, r.unit());
        ps.setInt(6, r.status().ordinal());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    long over = depth + readings.size() - maxReadings;
    if (over > 0) {
      try (var ps =
          c.prepareStatement(
              "DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)")) {
        ps.setLong(1, over);
        over = ps.executeUpdate();
      }
      setMeta("dropped", dropped + over);
    } else {
      over = 0;
    }
    c.commit();
    depth += readings.size() - over;
    dropped += over;
  }

  /** Up to {@code limit} of the oldest readings. */
  public synchronized List<Buffered> oldest(int limit) throws SQLException {
    List<Buffered> out = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT id, station, parameter, ts, value, unit, status FROM readings ORDER BY id LIMIT ?")) {
      ps.setInt(1, limit);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new Buffered(
                  rs.getLong(1),
                  new Reading(
                      rs.getString(2),
                      rs.getString(3),
                      rs.getLong(4),
                      rs.getDouble(5),
                      rs.getString(6),
                      DeviceStatus.ofOrdinalCode(rs.getInt(7)))));
      }
    }
    c.commit();
    return out;
  }

  /** Forgets readings the broker acknowledged. Those already dropped are simply not there. */
  public synchronized void delete(List<Buffered> acknowledged) throws SQLException {
    int n = 0;
    try (var ps = c.prepareStatement("DELETE FROM readings WHERE id = ?")) {
      for (Buffered b : acknowledged) {
        ps.setLong(1, b.id());
        ps.addBatch();
      }
      for (int k : ps.executeBatch()) n += Math.max(k, 0);
    }
    c.commit();
    depth -= n;
  }

  /**
   * The next batch sequence number, stored before the batch is sent: sequence numbers keep rising
   * across restarts, so the server can tell a resend (same number) from a new batch.
   */
  public synchronized long nextSequence() throws SQLException {
    long next = meta("seq") + 1;
    setMeta("seq", next);
    c.commit();
    return next;
  }

  public synchronized long depth() {
    return depth;
  }

  /** Readings dropped because the buffer was full, since it was created. */
  public synchronized long dropped() {
    return dropped;
  }

  private long meta(String key) throws SQLException {
    try (var ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      ps.setString(1, key);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private void setMeta(String key, long value) throws SQLException {
    try (var ps = c.prepareStatement("UPDATE meta SET value = ? WHERE key = ?")) {
      ps.setLong(1, value);
      ps.setString(2, key);
      ps.executeUpdate();
    }
  }

  @Override
  public synchronized void close() throws SQLException {
    c.close();
  }
}

package io.outfall.gateway.buffer;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
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
 * <p>Bounded: past {@code maxReadings}, past {@code maxBytes} (SQLite's {@code max_page_count}), or
 * when the disk itself is full, the oldest readings are dropped and counted, so a months-long
 * outage costs the oldest data, never the newest, and never a crash. By age too ({@link
 * #dropOlderThan}): readings past the age the server still accepts are dropped from the head.
 */
public final class ReadingBuffer implements AutoCloseable {
  /** A buffered reading and its position, to delete it once it was acknowledged. */
  public record Buffered(long id, Reading reading) {}

  // SQLite's result code for "database or disk is full" (SQLITE_FULL).
  private static final int SQLITE_FULL = 13;

  private final Connection c;
  private final long maxReadings;
  private long depth;
  private long dropped;
  private long droppedByAge;
  private long lastDropMs;
  private long lastId;

  public ReadingBuffer(Path file, long maxReadings, boolean fsync) throws SQLException {
    this(file, maxReadings, Long.MAX_VALUE, fsync);
  }

  public ReadingBuffer(Path file, long maxReadings, long maxBytes, boolean fsync)
      throws SQLException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new SQLException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    this.c = DriverManager.getConnection("jdbc:sqlite:" + file);
    this.maxReadings = maxReadings;
    try (var st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
      if (maxBytes != Long.MAX_VALUE) {
        long pageSize;
        try (var rs = st.executeQuery("PRAGMA page_size")) {
          pageSize = rs.next() ? rs.getLong(1) : 4096;
        }
        st.execute("PRAGMA max_page_count=" + Math.max(64, maxBytes / pageSize));
      }
      st.execute(
          "CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY AUTOINCREMENT, station TEXT NOT NULL,"
              + " parameter TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, status INTEGER NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      st.execute(
          "INSERT OR IGNORE INTO meta VALUES ('seq', 0), ('dropped', 0), ('dropped_age', 0)");
      try (var rs = st.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM readings")) {
        rs.next();
        depth = rs.getLong(1);
        lastId = rs.getLong(2);
      }
      dropped = meta("dropped");
      droppedByAge = meta("dropped_age");
    }
    c.setAutoCommit(false);
  }

  /**
   * Stores polled readings; drops the oldest beyond the bound. When SQLite reports the database or
   * the disk full, drops the oldest readings (twice as many each time) until the new ones fit:
   * deleted pages are reused, so the file stops growing instead of the gateway stopping.
   */
  public synchronized void append(List<Reading> readings) throws SQLException {
    if (readings.isEmpty()) return;
    long room = Math.max(readings.size(), 1000);
    for (int attempt = 0; ; attempt++) {
      try {
        insert(readings);
        long over = depth + readings.size() - maxReadings;
        long freed = over > 0 ? dropOldest(over) : 0;
        c.commit();
        depth += readings.size() - freed;
        return;
      } catch (SQLException e) {
        rollback(); // SQLite may have rolled back already on SQLITE_FULL
        dropped = meta("dropped"); // undo a drop counted in the rolled-back transaction
        if (e.getErrorCode() != SQLITE_FULL || attempt >= 8 || depth == 0) throw e;
        long freed = dropOldest(room);
        c.commit();
        depth -= freed;
        room *= 2;
      }
    }
  }

  private void rollback() throws SQLException {
    try {
      c.rollback();
    } catch (SQLException alreadyRolledBack) {
      // "cannot rollback - no transaction is active": SQLite undid it itself, and the driver did
      // not open the next one as it does after a rollback of its own: open it here.
      try (var st = c.createStatement()) {
        st.execute("BEGIN");
      }
    }
  }

  private void insert(List<Reading> readings) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO readings (station, parameter, ts, value, unit, status) VALUES (?, ?, ?, ?, ?, ?)",
            Statement.NO_GENERATED_KEYS)) {
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
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT last_insert_rowid()")) {
      rs.next();
      lastId = rs.getLong(1);
    }
  }

  /** Deletes the {@code n} oldest readings in the open transaction; counts them as dropped. */
  private long dropOldest(long n) throws SQLException {
    long freed;
    try (var ps =
        c.prepareStatement(
            "DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)")) {
      ps.setLong(1, n);
      freed = ps.executeUpdate();
    }
    setMeta("dropped", dropped + freed);
    dropped += freed;
    lastDropMs = System.currentTimeMillis();
    return freed;
  }

  /**
   * Drops the readings at the head of the buffer (the first appended) whose time is before {@code
   * cutoffMs}, counted as dropped and as dropped by age. Cheap when there are none: it looks at the
   * head only. Readings come in roughly in time order; one older than the cutoff behind a newer one
   * waits until it reaches the head. Returns how many were dropped.
   */
  public synchronized long dropOlderThan(long cutoffMs) throws SQLException {
    long freed = 0;
    while (true) {
      try (var st = c.createStatement();
          var rs = st.executeQuery("SELECT ts FROM readings ORDER BY id LIMIT 1")) {
        if (!rs.next() || rs.getLong(1) >= cutoffMs) break;
      }
      long n;
      try (var ps =
          c.prepareStatement(
              "DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT 10000)"
                  + " AND ts < ?")) {
        ps.setLong(1, cutoffMs);
        n = ps.executeUpdate();
      }
      setMeta("dropped", dropped + n);
      setMeta("dropped_age", droppedByAge + n);
      c.commit();
      dropped += n;
      droppedByAge += n;
      depth -= n;
      freed += n;
      lastDropMs = System.currentTimeMillis();
    }
    c.commit();
    return freed;
  }

  /** Up to {@code limit} of the oldest readings. */
  public List<Buffered> oldest(int limit) throws SQLException {
    return oldest(limit, 0, Long.MAX_VALUE);
  }

  /**
   * Up to {@code limit} of the oldest readings whose position is in {@code [fromId, toId]}: the
   * uplink reads live readings and the backlog as two ranges split at a position.
   */
  public synchronized List<Buffered> oldest(int limit, long fromId, long toId) throws SQLException {
    List<Buffered> out = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT id, station, parameter, ts, value, unit, status FROM readings"
                + " WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?")) {
      ps.setLong(1, fromId);
      ps.setLong(2, toId);
      ps.setInt(3, limit);
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

  /** Readings dropped because the buffer or the disk was full, since the buffer was created. */
  public synchronized long dropped() {
    return dropped;
  }

  /** Of {@link #dropped}, those dropped for their age ({@link #dropOlderThan}). */
  public synchronized long droppedByAge() {
    return droppedByAge;
  }

  /** When readings were last dropped (epoch ms), 0 if never since this process started. */
  public synchronized long lastDropMs() {
    return lastDropMs;
  }

  /** The position of the newest reading ever appended (positions only rise). */
  public synchronized long lastId() {
    return lastId;
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

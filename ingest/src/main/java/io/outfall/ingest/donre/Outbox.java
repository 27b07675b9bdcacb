package io.outfall.ingest.donre;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of the regulator link's outbox ({@code donre_outbox}, migration V11): which stations
 * transmit, what was made and sent, what the writer marked late. Blocking JDBC on a connection the
 * caller holds (and commits).
 */
final class Outbox {
  /** A file waiting to go. */
  record Pending(
      long id,
      int stationId,
      String station,
      Instant intervalStart,
      boolean correction,
      String fileName,
      byte[] content) {}

  /** A station-hour that received readings after its files were due. */
  record LateHour(FileMaker.Station station, Instant hour) {}

  /** The last file kept for an interval (a correction if any, else the regular one). */
  record Kept(long id, boolean sent, boolean correction, byte[] content) {}

  /** Where a station's transmission stands. */
  record Status(
      boolean transmits,
      Boolean switched,
      boolean hasPermit,
      String lastFile,
      Instant lastIntervalEnd,
      Instant lastSentAt,
      int backlog,
      Instant oldestUnsentEnd,
      String lastError,
      Instant lastAttemptAt) {}

  private static final String TRANSMITS =
      "coalesce(st.donre_transmit, EXISTS (SELECT 1 FROM permits p WHERE p.station = st.code))";

  private Outbox() {}

  /** The stations that transmit: switched on, or not switched and with a permit. */
  static List<FileMaker.Station> transmitting(Connection c) throws SQLException {
    List<FileMaker.Station> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT st.id, si.code, st.code FROM stations st JOIN sites si ON si.id = st.site_id"
                    + " WHERE "
                    + TRANSMITS
                    + " ORDER BY st.id")) {
      while (rs.next())
        out.add(new FileMaker.Station(rs.getInt(1), rs.getString(2), rs.getString(3)));
    }
    return out;
  }

  /** A station by its code, as the files name it. */
  static Optional<FileMaker.Station> station(Connection c, String code) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT st.id, si.code, st.code FROM stations st JOIN sites si ON si.id = st.site_id"
                + " WHERE st.code = ?")) {
      ps.setString(1, code);
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new FileMaker.Station(rs.getInt(1), rs.getString(2), rs.getString(3)))
            : Optional.empty();
      }
    }
  }

  /** The end of the last interval a station's regular files were made for. */
  /** A station's transmission: its files cover [{@code from}, {@code until}). */
  record Progress(Instant from, Instant until) {}

  static Optional<Progress> progress(Connection c, int stationId) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT made_from, made_until FROM donre_progress WHERE station_id = ?")) {
      ps.setInt(1, stationId);
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new Progress(rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant()))
            : Optional.empty();
      }
    }
  }

  /** Files made up to {@code until}; a station's first call also records where it began. */
  static void madeUntil(Connection c, int stationId, Instant from, Instant until)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO donre_progress (station_id, made_from, made_until) VALUES (?, ?, ?)"
                + " ON CONFLICT (station_id) DO UPDATE SET made_until = EXCLUDED.made_until")) {
      ps.setInt(1, stationId);
      ps.setTimestamp(2, Timestamp.from(from));
      ps.setTimestamp(3, Timestamp.from(until));
      ps.executeUpdate();
    }
  }

  /** Queues an interval's regular file; nothing if it has one already. */
  static boolean addRegular(Connection c, int stationId, FileMaker.Made f) throws SQLException {
    return add(c, stationId, f.start(), f.end(), false, f.name(), f.content());
  }

  static boolean addCorrection(Connection c, int stationId, FileMaker.Made f, String name)
      throws SQLException {
    return add(c, stationId, f.start(), f.end(), true, name, f.content());
  }

  private static boolean add(
      Connection c,
      int stationId,
      Instant start,
      Instant end,
      boolean correction,
      String name,
      byte[] content)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO donre_outbox (station_id, interval_start, interval_end, correction,"
                + " file_name, content) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setInt(1, stationId);
      ps.setTimestamp(2, Timestamp.from(start));
      ps.setTimestamp(3, Timestamp.from(end));
      ps.setBoolean(4, correction);
      ps.setString(5, name);
      ps.setBytes(6, content);
      return ps.executeUpdate() == 1;
    }
  }

  static boolean nameTaken(Connection c, String name) throws SQLException {
    try (var ps = c.prepareStatement("SELECT 1 FROM donre_outbox WHERE file_name = ?")) {
      ps.setString(1, name);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** What was last kept for an interval, or empty when it has no file. */
  static Optional<Kept> kept(Connection c, int stationId, Instant intervalStart)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT id, sent_at IS NOT NULL, correction, content FROM donre_outbox"
                + " WHERE station_id = ? AND interval_start = ? ORDER BY id DESC LIMIT 1")) {
      ps.setInt(1, stationId);
      ps.setTimestamp(2, Timestamp.from(intervalStart));
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new Kept(rs.getLong(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBytes(4)))
            : Optional.empty();
      }
    }
  }

  /** A file not sent yet takes what the readings say now. */
  static void remake(Connection c, long id, byte[] content) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE donre_outbox SET content = ? WHERE id = ? AND sent_at IS NULL")) {
      ps.setBytes(1, content);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Station-hours the writer marked late, oldest first, locked for this transaction. */
  static List<LateHour> lateHours(Connection c, int limit) throws SQLException {
    List<LateHour> out = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT l.station_id, si.code, st.code, l.hour FROM late_readings l"
                + " JOIN stations st ON st.id = l.station_id JOIN sites si ON si.id = st.site_id"
                + " ORDER BY l.hour, l.station_id LIMIT ? FOR UPDATE OF l SKIP LOCKED")) {
      ps.setInt(1, limit);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new LateHour(
                  new FileMaker.Station(rs.getInt(1), rs.getString(2), rs.getString(3)),
                  rs.getTimestamp(4).toInstant()));
      }
    }
    return out;
  }

  static void doneLate(Connection c, LateHour h) throws SQLException {
    try (var ps =
        c.prepareStatement("DELETE FROM late_readings WHERE station_id = ? AND hour = ?")) {
      ps.setInt(1, h.station().id());
      ps.setTimestamp(2, Timestamp.from(h.hour()));
      ps.executeUpdate();
    }
  }

  /** Whether a station transmits (its own or the default rule). */
  static boolean transmits(Connection c, int stationId) throws SQLException {
    try (var ps = c.prepareStatement("SELECT " + TRANSMITS + " FROM stations st WHERE st.id = ?")) {
      ps.setInt(1, stationId);
      try (var rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** The files waiting, in time order. */
  static List<Pending> pending(Connection c, int limit) throws SQLException {
    List<Pending> out = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT o.id, o.station_id, st.code, o.interval_start, o.correction, o.file_name,"
                + " o.content FROM donre_outbox o JOIN stations st ON st.id = o.station_id"
                + " WHERE o.sent_at IS NULL ORDER BY o.interval_start, o.id LIMIT ?")) {
      ps.setInt(1, limit);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.add(
              new Pending(
                  rs.getLong(1),
                  rs.getInt(2),
                  rs.getString(3),
                  rs.getTimestamp(4).toInstant(),
                  rs.getBoolean(5),
                  rs.getString(6),
                  rs.getBytes(7)));
      }
    }
    return out;
  }

  static void sent(Connection c, long id) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE donre_outbox SET sent_at = now(), attempts = attempts + 1,"
                + " last_attempt_at = now(), last_error = NULL WHERE id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  static void failed(Connection c, long id, String error) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE donre_outbox SET attempts = attempts + 1, last_attempt_at = now(),"
                + " last_error = ? WHERE id = ?")) {
      ps.setString(1, error);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Files waiting, in all. */
  static int backlog(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM donre_outbox WHERE sent_at IS NULL")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Per station: the end of its oldest unsent interval, for the stations that have one. */
  static List<Behind> oldestUnsent(Connection c) throws SQLException {
    List<Behind> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT st.code, min(o.interval_end) FROM donre_outbox o"
                    + " JOIN stations st ON st.id = o.station_id WHERE o.sent_at IS NULL"
                    + " GROUP BY st.code")) {
      while (rs.next()) out.add(new Behind(rs.getString(1), rs.getTimestamp(2).toInstant()));
    }
    return out;
  }

  /** Stations with an open alert that their files are behind. */
  static List<String> openBehindAlerts(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT station FROM alerts WHERE kind = 'transmission_behind'"
                    + " AND state <> 'resolved'")) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  /** A station with files waiting since {@code oldestEnd}. */
  record Behind(String station, Instant oldestEnd) {}

  /** Switches a station's transmission on or off, or back to the default (null). */
  /**
   * Sets a station's switch. Switched off, its transmission ends: switched on again, it starts anew
   * at the current interval rather than sending the time it was off (an export has that).
   */
  static boolean setSwitch(Connection c, String station, Boolean transmit) throws SQLException {
    try (var ps = c.prepareStatement("UPDATE stations SET donre_transmit = ? WHERE code = ?")) {
      ps.setObject(1, transmit);
      ps.setString(2, station);
      if (ps.executeUpdate() != 1) return false;
    }
    if (Boolean.FALSE.equals(transmit))
      try (var ps =
          c.prepareStatement(
              "DELETE FROM donre_progress WHERE station_id ="
                  + " (SELECT id FROM stations WHERE code = ?)")) {
        ps.setString(1, station);
        ps.executeUpdate();
      }
    return true;
  }

  static Optional<Status> status(Connection c, String station) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT st.donre_transmit, EXISTS (SELECT 1 FROM permits p WHERE p.station = st.code),"
                + " last.file_name, last.interval_end, last.sent_at,"
                + " (SELECT count(*) FROM donre_outbox o WHERE o.station_id = st.id"
                + "   AND o.sent_at IS NULL),"
                + " oldest.interval_end, oldest.last_error, oldest.last_attempt_at"
                + " FROM stations st"
                + " LEFT JOIN LATERAL (SELECT file_name, interval_end, sent_at FROM donre_outbox o"
                + "   WHERE o.station_id = st.id AND o.sent_at IS NOT NULL"
                + "   ORDER BY o.sent_at DESC, o.id DESC LIMIT 1) last ON true"
                + " LEFT JOIN LATERAL (SELECT interval_end, last_error, last_attempt_at"
                + "   FROM donre_outbox o WHERE o.station_id = st.id AND o.sent_at IS NULL"
                + "   ORDER BY o.interval_start, o.id LIMIT 1) oldest ON true"
                + " WHERE st.code = ?")) {
      ps.setString(1, station);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        Boolean switched = (Boolean) rs.getObject(1);
        boolean permit = rs.getBoolean(2);
        return Optional.of(
            new Status(
                switched != null ? switched : permit,
                switched,
                permit,
                rs.getString(3),
                instant(rs.getTimestamp(4)),
                instant(rs.getTimestamp(5)),
                rs.getInt(6),
                instant(rs.getTimestamp(7)),
                rs.getString(8),
                instant(rs.getTimestamp(9))));
      }
    }
  }

  /** Regular files sent, for tests and the export check: names in the order they went. */
  static List<String> sentNames(Connection c, int stationId) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT file_name FROM donre_outbox WHERE station_id = ? AND sent_at IS NOT NULL"
                + " ORDER BY sent_at, id")) {
      ps.setInt(1, stationId);
      List<String> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
      return out;
    }
  }

  static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}

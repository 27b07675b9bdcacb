package io.outfall.ingest.alerts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * What people read of alerts and do to them: lists, one alert with its history and notifications,
 * acknowledgements and silences. The engine's side of the lifecycle is {@link AlertStore}. Blocking
 * JDBC: call from worker threads.
 */
final class AlertQueries {
  private static final String COLUMNS =
      "id, station, parameter, kind, family, state, started_at, resolved_at, acknowledged_at,"
          + " acknowledged_by, escalated_at, silenced, value, peak, limit_value, factor, band,"
          + " window_start, window_end, standard, detail";
  private static final String SILENCE_COLUMNS =
      "id, station, parameter, kind, starts_at, ends_at, reason, created_by, created_at";

  /** An alert as stored: an episode of a station's parameter (or of its data) and its state. */
  record Alert(
      long id,
      String station,
      String parameter,
      String kind,
      String family,
      String state,
      Instant startedAt,
      Instant resolvedAt,
      Instant acknowledgedAt,
      String acknowledgedBy,
      Instant escalatedAt,
      boolean silenced,
      Double value,
      Double peak,
      String limit,
      Double factor,
      String band,
      Instant windowStart,
      Instant windowEnd,
      String standard,
      String detail) {}

  /** Something that happened to an alert: opened, worsened, acknowledged (by whom), resolved… */
  record Event(Instant at, String event, String actor, String detail) {}

  /** A notification of an alert's change on one channel, delivered or still trying. */
  record Notification(
      String event, String channel, int attempts, Instant deliveredAt, String lastError) {}

  /** An alert with its history. */
  record Detail(Alert alert, List<Event> events, List<Notification> notifications) {}

  /** A time during which matching alerts notify nobody. */
  record Silence(
      long id,
      String station,
      String parameter,
      String kind,
      Instant startsAt,
      Instant endsAt,
      String reason,
      String createdBy,
      Instant createdAt) {}

  /** Which alerts a list shows. */
  enum Filter {
    /** Open or acknowledged. */
    ACTIVE("state <> 'resolved'"),
    OPEN("state = 'open'"),
    ACKNOWLEDGED("state = 'acknowledged'"),
    RESOLVED("state = 'resolved'"),
    ALL("true");

    final String sql;

    Filter(String sql) {
      this.sql = sql;
    }
  }

  private interface Row<T> {
    T of(ResultSet rs) throws SQLException;
  }

  private final DataSource ds;

  AlertQueries(DataSource ds) {
    this.ds = ds;
  }

  /**
   * The newest first; {@code limit + 1} rows at most, so that the caller sees whether there are
   * more. A null {@code station}, {@code kind} or {@code family} does not narrow.
   */
  List<Alert> list(Filter filter, String station, String kind, String family, int limit, int offset)
      throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT "
                    + COLUMNS
                    + " FROM alerts WHERE "
                    + filter.sql
                    + " AND (?::text IS NULL OR station = ?) AND (?::text IS NULL OR kind = ?)"
                    + " AND (?::text IS NULL OR family = ?)"
                    + " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?")) {
      ps.setString(1, station);
      ps.setString(2, station);
      ps.setString(3, kind);
      ps.setString(4, kind);
      ps.setString(5, family);
      ps.setString(6, family);
      ps.setInt(7, limit + 1);
      ps.setInt(8, offset);
      return rows(ps, AlertQueries::alert);
    }
  }

  Optional<Detail> detail(long id) throws SQLException {
    try (Connection c = ds.getConnection()) {
      Alert alert;
      try (var ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alerts WHERE id = ?")) {
        ps.setLong(1, id);
        List<Alert> found = rows(ps, AlertQueries::alert);
        if (found.isEmpty()) return Optional.empty();
        alert = found.get(0);
      }
      List<Event> events;
      try (var ps =
          c.prepareStatement(
              "SELECT at, event, actor, detail FROM alert_events WHERE alert_id = ?"
                  + " ORDER BY at, id")) {
        ps.setLong(1, id);
        events =
            rows(
                ps,
                rs ->
                    new Event(
                        instant(rs.getTimestamp(1)),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4)));
      }
      List<Notification> notifications;
      try (var ps =
          c.prepareStatement(
              "SELECT event, channel, attempts, delivered_at, last_error FROM notification_outbox"
                  + " WHERE alert_id = ? ORDER BY id")) {
        ps.setLong(1, id);
        notifications =
            rows(
                ps,
                rs ->
                    new Notification(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        instant(rs.getTimestamp(4)),
                        rs.getString(5)));
      }
      return Optional.of(new Detail(alert, events, notifications));
    }
  }

  /**
   * Acknowledges an open alert, recording who and why in its history; empty when there is no open
   * alert {@code id} (see {@link #state}).
   */
  Optional<Alert> acknowledge(long id, String user, String comment) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var ps =
          c.prepareStatement(
              "UPDATE alerts SET state = 'acknowledged', acknowledged_at = now(),"
                  + " acknowledged_by = ?, updated_at = now() WHERE id = ? AND state = 'open'"
                  + " RETURNING "
                  + COLUMNS)) {
        ps.setString(1, user);
        ps.setLong(2, id);
        List<Alert> done = rows(ps, AlertQueries::alert);
        if (done.isEmpty()) {
          c.rollback();
          return Optional.empty();
        }
        AlertStore.event(c, id, "acknowledged", user, comment);
        c.commit();
        return Optional.of(done.get(0));
      }
    }
  }

  /** The state of alert {@code id}, empty when there is none. */
  Optional<String> state(long id) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps = c.prepareStatement("SELECT state FROM alerts WHERE id = ?")) {
      ps.setLong(1, id);
      return rows(ps, rs -> rs.getString(1)).stream().findFirst();
    }
  }

  /** The newest first, at most 1,000. */
  List<Silence> silences(boolean activeOnly) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT "
                    + SILENCE_COLUMNS
                    + " FROM silences"
                    + (activeOnly ? " WHERE ends_at > now()" : "")
                    + " ORDER BY starts_at DESC LIMIT 1000")) {
      return rows(ps, AlertQueries::silence);
    }
  }

  Silence silence(
      String station,
      String parameter,
      String kind,
      Instant starts,
      Instant ends,
      String reason,
      String user)
      throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "INSERT INTO silences (station, parameter, kind, starts_at, ends_at, reason,"
                    + " created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "
                    + SILENCE_COLUMNS)) {
      ps.setString(1, station);
      ps.setString(2, parameter);
      ps.setString(3, kind);
      ps.setTimestamp(4, Timestamp.from(starts));
      ps.setTimestamp(5, Timestamp.from(ends));
      ps.setString(6, reason);
      ps.setString(7, user);
      return rows(ps, AlertQueries::silence).get(0);
    }
  }

  /**
   * Ends an active silence now; one that has not begun yet is cancelled (it keeps a 1 ms span).
   * Empty when there is no active silence {@code id}.
   */
  Optional<Silence> expire(long id) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE silences SET ends_at = now(),"
                    + " starts_at = least(starts_at, now() - interval '1 millisecond')"
                    + " WHERE id = ? AND ends_at > now() RETURNING "
                    + SILENCE_COLUMNS)) {
      ps.setLong(1, id);
      return rows(ps, AlertQueries::silence).stream().findFirst();
    }
  }

  private static <T> List<T> rows(PreparedStatement ps, Row<T> row) throws SQLException {
    List<T> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.add(row.of(rs));
    }
    return out;
  }

  private static Alert alert(ResultSet rs) throws SQLException {
    return new Alert(
        rs.getLong("id"),
        rs.getString("station"),
        rs.getString("parameter"),
        rs.getString("kind"),
        rs.getString("family"),
        rs.getString("state"),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("resolved_at")),
        instant(rs.getTimestamp("acknowledged_at")),
        rs.getString("acknowledged_by"),
        instant(rs.getTimestamp("escalated_at")),
        rs.getBoolean("silenced"),
        (Double) rs.getObject("value"),
        (Double) rs.getObject("peak"),
        rs.getString("limit_value"),
        (Double) rs.getObject("factor"),
        rs.getString("band"),
        instant(rs.getTimestamp("window_start")),
        instant(rs.getTimestamp("window_end")),
        rs.getString("standard"),
        rs.getString("detail"));
  }

  private static Silence silence(ResultSet rs) throws SQLException {
    return new Silence(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        instant(rs.getTimestamp(5)),
        instant(rs.getTimestamp(6)),
        rs.getString(7),
        rs.getString(8),
        instant(rs.getTimestamp(9)));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}

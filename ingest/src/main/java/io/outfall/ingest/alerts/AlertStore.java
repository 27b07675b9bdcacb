package io.outfall.ingest.alerts;

import io.outfall.compliance.check.CheckReport;
import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.standards.Limit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The alert lifecycle in the database: open → acknowledged → resolved, at most one unresolved alert
 * per station, parameter and kind, every change recorded in {@code alert_events}, and the
 * notifications it calls for written to the outbox in the same transaction.
 *
 * <p>Opening is idempotent (an alert already unresolved for the same key is left alone) and so is
 * resolving, which is what lets the engine replay history after a restart without duplicates.
 */
public final class AlertStore {
  private final Set<String> notifyFamilies;
  private final List<String> channels;

  /**
   * @param notifyFamilies alert families that notify (compliance, warning, data_quality)
   * @param channels the configured notification channels (email, webhook, alertmanager)
   */
  public AlertStore(Set<String> notifyFamilies, List<String> channels) {
    this.notifyFamilies = notifyFamilies;
    this.channels = channels;
  }

  /**
   * Opens an alert for an episode unless one is already unresolved. Returns its id, or null if it
   * existed. One statement (one round trip): at a window boundary a province's breaches open
   * together, inside the transaction every other station's judging waits for.
   */
  public Long opened(Connection c, Episode e, String standard) throws SQLException {
    String family = e.kind().family.name().toLowerCase(Locale.ROOT);
    try (var ps = c.prepareStatement(OPEN)) {
      bindSilenced(ps, e);
      ps.setString(6, e.station());
      ps.setString(7, e.parameter());
      ps.setString(8, e.kind().label());
      ps.setString(9, family);
      ps.setTimestamp(10, Timestamp.from(e.start()));
      setDouble(ps, 11, e.peak());
      setDouble(ps, 12, e.peak());
      ps.setString(13, limitText(e.limit()));
      ps.setString(14, standard);
      ps.setString(15, e.detail());
      ps.setString(16, e.detail());
      ps.setArray(17, c.createArrayOf("text", channelsFor(family)));
      ps.setLong(18, e.start().toEpochMilli());
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  /**
   * Whether a silence covers an episode's start: its station, parameter and kind (each null in a
   * silence for any) and the start, twice, as parameters 1 to 5 ({@link #bindSilenced}).
   */
  private static final String SILENCED =
      "EXISTS (SELECT 1 FROM silences WHERE (station IS NULL OR station = ?)"
          + " AND (parameter IS NULL OR parameter = ?) AND (kind IS NULL OR kind = ?)"
          + " AND ?::timestamptz >= starts_at AND ?::timestamptz < ends_at)";

  private static void bindSilenced(PreparedStatement ps, Episode e) throws SQLException {
    ps.setString(1, e.station());
    ps.setString(2, e.parameter());
    ps.setString(3, e.kind().label());
    ps.setTimestamp(4, Timestamp.from(e.start()));
    ps.setTimestamp(5, Timestamp.from(e.start()));
  }

  /**
   * {@link #opened}: whether a silence covers the episode's start (1–5), the alert (6–15), its
   * event (16), its notifications on the channels given (17), the announcement's time (18).
   */
  private static final String OPEN =
      "WITH s AS (SELECT "
          + SILENCED
          + " AS silenced),"
          + " a AS (INSERT INTO alerts (station, parameter, kind, family, started_at, silenced, value,"
          + " peak, limit_value, standard, detail, state) SELECT ?, ?, ?, ?, ?, s.silenced, ?, ?, ?,"
          + " ?, ?, 'open' FROM s ON CONFLICT (station, coalesce(parameter, ''), kind)"
          + " WHERE state <> 'resolved' DO NOTHING RETURNING id, silenced, station, parameter, kind),"
          + " ev AS (INSERT INTO alert_events (alert_id, event, actor, detail)"
          + " SELECT id, 'opened', 'outfall', ? FROM a),"
          + " ob AS (INSERT INTO notification_outbox (alert_id, event, channel)"
          + " SELECT a.id, 'opened', ch FROM a CROSS JOIN unnest(?::text[]) ch WHERE NOT a.silenced)"
          + " SELECT id, "
          + announcement("'opened'")
          + " FROM a";

  /**
   * The {@code pg_notify} of an alert change to listeners on {@code outfall_alerts} (live pages,
   * the latency benchmark), over a row with id, station, parameter and kind; its time is the next
   * parameter. PostgreSQL delivers it when the transaction commits, i.e. when the change is
   * visible.
   */
  private static String announcement(String event) {
    return "pg_notify('outfall_alerts', json_build_object('id', id, 'event', "
        + event
        + ", 'station', station, 'parameter', parameter, 'kind', kind, 'at', ?::bigint)::text)";
  }

  /** The channels an alert of {@code family} is notified on (none when its family is quiet). */
  private String[] channelsFor(String family) {
    return notifyFamilies.contains(family) ? channels.toArray(String[]::new) : new String[0];
  }

  /**
   * Records an episode that began and ended in readings that arrived late (a gateway's backlog sent
   * after its live data): a resolved alert with the episode's own times, notified as opened and
   * resolved. Nothing if an alert of the same kind already covers part of that time (the episode
   * was seen live). Returns the new alert's id, or null.
   */
  public Long recordPast(Connection c, Episode e, String standard) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT 1 FROM alerts WHERE station = ? AND coalesce(parameter, '') = coalesce(?, '') AND kind = ?"
                + " AND started_at <= ? AND coalesce(resolved_at, 'infinity'::timestamptz) >= ?")) {
      ps.setString(1, e.station());
      ps.setString(2, e.parameter());
      ps.setString(3, e.kind().label());
      ps.setTimestamp(4, Timestamp.from(e.end()));
      ps.setTimestamp(5, Timestamp.from(e.start()));
      try (var rs = ps.executeQuery()) {
        if (rs.next()) return null;
      }
    }
    String family = e.kind().family.name().toLowerCase(Locale.ROOT);
    boolean silenced = silenced(c, e);
    long id;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO alerts ("
                + EPISODE_COLUMNS
                + ", state, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'resolved', ?)"
                + " RETURNING id")) {
      bindEpisode(ps, e, family, silenced, standard);
      ps.setTimestamp(12, Timestamp.from(e.end()));
      try (var rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    event(c, id, "opened", "outfall", "found in readings that arrived late: " + e.detail());
    event(c, id, "resolved", "outfall", null);
    announce(c, id, "opened", e, e.start());
    announce(c, id, "resolved", e, e.end());
    if (!silenced) {
      notify(c, id, family, "opened");
      notify(c, id, family, "resolved");
    }
    return id;
  }

  private static final String EPISODE_COLUMNS =
      "station, parameter, kind, family, started_at, silenced, value, peak, limit_value, standard, detail";

  /** Parameters 1 to 11: {@link #EPISODE_COLUMNS} of an episode. */
  private static void bindEpisode(
      PreparedStatement ps, Episode e, String family, boolean silenced, String standard)
      throws SQLException {
    ps.setString(1, e.station());
    ps.setString(2, e.parameter());
    ps.setString(3, e.kind().label());
    ps.setString(4, family);
    ps.setTimestamp(5, Timestamp.from(e.start()));
    ps.setBoolean(6, silenced);
    setDouble(ps, 7, e.peak());
    setDouble(ps, 8, e.peak());
    ps.setString(9, limitText(e.limit()));
    ps.setString(10, standard);
    ps.setString(11, e.detail());
  }

  /** Resolves the unresolved alert of an episode, if any, in one statement like {@link #opened}. */
  public Long closed(Connection c, Episode e) throws SQLException {
    try (var ps = c.prepareStatement(CLOSE)) {
      ps.setTimestamp(1, Timestamp.from(e.end()));
      setDouble(ps, 2, e.peak());
      ps.setString(3, e.station());
      ps.setString(4, e.parameter());
      ps.setString(5, e.kind().label());
      ps.setArray(6, c.createArrayOf("text", channels.toArray()));
      ps.setArray(7, c.createArrayOf("text", notifyFamilies.toArray()));
      ps.setLong(8, e.end().toEpochMilli());
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  /**
   * {@link #closed}: the resolution (1–5), its event, its notifications on the channels (6) when
   * the alert's family notifies (7), the announcement's time (8).
   */
  private static final String CLOSE =
      "WITH a AS (UPDATE alerts SET state = 'resolved', resolved_at = ?, peak = coalesce(?, peak),"
          + " updated_at = now() WHERE station = ? AND coalesce(parameter, '') = coalesce(?, '')"
          + " AND kind = ? AND state <> 'resolved'"
          + " RETURNING id, family, silenced, station, parameter, kind),"
          + " ev AS (INSERT INTO alert_events (alert_id, event, actor)"
          + " SELECT id, 'resolved', 'outfall' FROM a),"
          + " ob AS (INSERT INTO notification_outbox (alert_id, event, channel)"
          + " SELECT a.id, 'resolved', ch FROM a CROSS JOIN unnest(?::text[]) ch"
          + " WHERE NOT a.silenced AND a.family = ANY (?::text[]))"
          + " SELECT id, "
          + announcement("'resolved'")
          + " FROM a";

  /** Attaches a breaching window to its open breach alert; a worse band notifies again. */
  public void breachWindow(Connection c, WindowResult w) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE alerts a SET value = ?, peak = greatest(a.peak, ?), factor = ?, band = ?, window_start = ?, window_end = ?, limit_value = ?, updated_at = now()"
                + " FROM (SELECT id, band AS old_band FROM alerts WHERE station = ? AND parameter = ? AND kind = 'breach' AND state <> 'resolved' FOR UPDATE) o"
                + " WHERE a.id = o.id RETURNING a.id, o.old_band, a.silenced")) {
      ps.setDouble(1, w.mean());
      ps.setDouble(2, w.mean());
      setDouble(ps, 3, w.factor());
      ps.setString(4, w.band());
      ps.setTimestamp(5, Timestamp.from(w.start()));
      ps.setTimestamp(6, Timestamp.from(w.end()));
      ps.setString(7, limitText(w.limit()));
      ps.setString(8, w.station());
      ps.setString(9, w.parameter());
      try (var rs = ps.executeQuery()) {
        if (rs.next()) {
          String old = rs.getString(2);
          if (old != null && rank(w.band()) > rank(old)) {
            event(c, rs.getLong(1), "worsened", "outfall", "band " + old + " → " + w.band());
            if (!rs.getBoolean(3)) notify(c, rs.getLong(1), "compliance", "worsened");
          }
        }
      }
    }
  }

  /** Escalates breaches nobody acknowledged within {@code after}; returns how many. */
  public int escalate(Connection c, Duration after) throws SQLException {
    int n = 0;
    try (var ps =
        c.prepareStatement(
            "UPDATE alerts SET escalated_at = now(), updated_at = now() WHERE state = 'open' AND family = 'compliance'"
                + " AND escalated_at IS NULL AND started_at < now() - ? * interval '1 second' RETURNING id, silenced")) {
      ps.setLong(1, after.toSeconds());
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          event(
              c,
              rs.getLong(1),
              "escalated",
              "outfall",
              "not acknowledged within " + after.toMinutes() + " min");
          if (!rs.getBoolean(2)) notify(c, rs.getLong(1), "compliance", "escalated");
          n++;
        }
      }
    }
    return n;
  }

  /**
   * Queues a fresh copy of every firing alert for Alertmanager when its last one is older than
   * {@code every}: Alertmanager resolves an alert by itself at its {@code endsAt} (an hour after it
   * was sent), so an alert still going on must be re-sent before then. Returns how many were
   * queued.
   */
  public int resendFiring(Connection c, Duration every) throws SQLException {
    if (!channels.contains("alertmanager")) return 0;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO notification_outbox (alert_id, event, channel)"
                + " SELECT a.id, 'refresh', 'alertmanager' FROM alerts a WHERE a.state <> 'resolved' AND NOT a.silenced"
                + " AND a.family = ANY (?) AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.alert_id = a.id"
                + " AND o.channel = 'alertmanager' AND (o.delivered_at IS NULL OR o.delivered_at > now() - ? * interval '1 second'))")) {
      ps.setArray(1, c.createArrayOf("text", notifyFamilies.toArray()));
      ps.setLong(2, every.toSeconds());
      return ps.executeUpdate();
    }
  }

  static String limitText(Limit l) {
    Object j = CheckReport.json(l);
    return j == null
        ? null
        : j instanceof List<?> r ? "[" + r.get(0) + ", " + r.get(1) + "]" : String.valueOf(j);
  }

  private static int rank(String band) {
    if (band == null) return 0;
    return band.startsWith("ph-") ? Integer.parseInt(band.substring(3)) : Integer.parseInt(band);
  }

  private static boolean silenced(Connection c, Episode e) throws SQLException {
    try (var ps = c.prepareStatement("SELECT " + SILENCED)) {
      bindSilenced(ps, e);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  static void event(Connection c, long alertId, String event, String actor, String detail)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO alert_events (alert_id, event, actor, detail) VALUES (?, ?, ?, ?)")) {
      ps.setLong(1, alertId);
      ps.setString(2, event);
      ps.setString(3, actor);
      ps.setString(4, detail);
      ps.executeUpdate();
    }
  }

  /** {@link #announcement} of one alert change, for the paths that are not one statement. */
  private static void announce(Connection c, long id, String event, Episode e, Instant at)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT "
                + announcement("?")
                + " FROM (SELECT ?::bigint AS id, ?::text AS station, ?::text AS parameter,"
                + " ?::text AS kind) a")) {
      ps.setString(1, event);
      ps.setLong(2, at.toEpochMilli());
      ps.setLong(3, id);
      ps.setString(4, e.station());
      ps.setString(5, e.parameter());
      ps.setString(6, e.kind().label());
      ps.execute();
    }
  }

  private void notify(Connection c, long alertId, String family, String event) throws SQLException {
    if (!notifyFamilies.contains(family) || channels.isEmpty()) return;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO notification_outbox (alert_id, event, channel) VALUES (?, ?, ?)")) {
      for (String channel : channels) {
        ps.setLong(1, alertId);
        ps.setString(2, event);
        ps.setString(3, channel);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
    if (v == null) ps.setNull(i, Types.DOUBLE);
    else ps.setDouble(i, v);
  }
}

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postgresql.PGConnection;

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
   * existed.
   */
  public Long opened(Connection c, Episode e, String standard) throws SQLException {
    List<Long> ids = openAll(c, List.of(new Opening(e, standard)));
    return ids.isEmpty() ? null : ids.get(0);
  }

  /**
   * An episode to open an alert for, the standard it was judged by (or null), and the breaching
   * window that opened it (or null), which the alert then carries as {@link #breachWindow} would
   * attach it.
   */
  public record Opening(Episode episode, String standard, WindowResult window) {
    public Opening(Episode episode, String standard) {
      this(episode, standard, null);
    }

    Opening with(WindowResult w) {
      return new Opening(episode, standard, w);
    }
  }

  /**
   * Opens an alert for each episode unless one is already unresolved for its station, parameter and
   * kind (at most one episode per key); answers the ids opened. One statement (one round trip) for
   * all: at a window boundary a province's breaches open together, inside the transaction every
   * other station's judging waits for.
   */
  public List<Long> openAll(Connection c, List<Opening> openings) throws SQLException {
    if (openings.isEmpty()) return List.of();
    int n = openings.size();
    String[] station = new String[n];
    String[] parameter = new String[n];
    String[] kind = new String[n];
    String[] family = new String[n];
    long[] start = new long[n];
    Double[] peak = new Double[n];
    String[] limit = new String[n];
    String[] standard = new String[n];
    String[] detail = new String[n];
    WindowColumns windows = new WindowColumns(n);
    for (int i = 0; i < n; i++) {
      Episode e = openings.get(i).episode();
      station[i] = e.station();
      parameter[i] = e.parameter();
      kind[i] = e.kind().label();
      family[i] = e.kind().family.name().toLowerCase(Locale.ROOT);
      start[i] = e.start().toEpochMilli();
      peak[i] = e.peak();
      limit[i] = limitText(e.limit());
      standard[i] = openings.get(i).standard();
      detail[i] = e.detail();
      if (openings.get(i).window() != null) windows.set(i, openings.get(i).window());
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    List<Long> ids = new ArrayList<>();
    Set<List<String>> opened = new HashSet<>();
    try (var ps = c.prepareStatement(OPEN)) {
      ps.setArray(1, pg.createArrayOf("text", station));
      ps.setArray(2, pg.createArrayOf("text", parameter));
      ps.setArray(3, pg.createArrayOf("text", kind));
      ps.setArray(4, pg.createArrayOf("text", family));
      ps.setArray(5, pg.createArrayOf("int8", start));
      ps.setArray(6, pg.createArrayOf("float8", peak));
      ps.setArray(7, pg.createArrayOf("text", limit));
      ps.setArray(8, pg.createArrayOf("text", standard));
      ps.setArray(9, pg.createArrayOf("text", detail));
      windows.bind(pg, ps, 10);
      bindNotified(pg, ps, 16);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
          opened.add(Arrays.asList(rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
    }
    // an episode whose alert was open already: its window goes to that alert, as it would have
    List<WindowResult> existing = new ArrayList<>();
    for (Opening o : openings) {
      Episode e = o.episode();
      if (o.window() != null
          && !opened.contains(Arrays.asList(e.station(), e.parameter(), e.kind().label())))
        existing.add(o.window());
    }
    breachWindows(c, existing);
    return ids;
  }

  /** The channels (parameter {@code i}) and the families that notify on them ({@code i + 1}). */
  private void bindNotified(PGConnection pg, PreparedStatement ps, int i) throws SQLException {
    ps.setArray(i, pg.createArrayOf("text", channels.toArray(String[]::new)));
    ps.setArray(i + 1, pg.createArrayOf("text", notifyFamilies.toArray(String[]::new)));
  }

  private static List<Long> ids(PreparedStatement ps) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (var rs = ps.executeQuery()) {
      while (rs.next()) ids.add(rs.getLong(1));
    }
    return ids;
  }

  /**
   * Whether a silence covers an episode's start: its station, parameter and kind (each null in a
   * silence for any) and the start, twice, as parameters 1 to 5 ({@link #bindSilenced}).
   */
  private static final String SILENCED = silenced("?", "?", "?", "?::timestamptz");

  /**
   * Whether a silence covers {@code station}'s {@code parameter} and {@code kind} at {@code at}.
   */
  private static String silenced(String station, String parameter, String kind, String at) {
    return "EXISTS (SELECT 1 FROM silences WHERE (station IS NULL OR station = "
        + station
        + ") AND (parameter IS NULL OR parameter = "
        + parameter
        + ") AND (kind IS NULL OR kind = "
        + kind
        + ") AND "
        + at
        + " >= starts_at AND "
        + at
        + " < ends_at)";
  }

  private static void bindSilenced(PreparedStatement ps, Episode e) throws SQLException {
    ps.setString(1, e.station());
    ps.setString(2, e.parameter());
    ps.setString(3, e.kind().label());
    ps.setTimestamp(4, Timestamp.from(e.start()));
    ps.setTimestamp(5, Timestamp.from(e.start()));
  }

  /**
   * {@link #openAll}: the episodes as arrays (1–9) and their windows (10–15, nulls for none), a
   * silence covering each one's start, the alert, its event, its notifications on the channels (16)
   * when its family notifies (17), and the announcement at its start.
   */
  private static final String OPEN =
      "WITH e AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int8[],"
          + " ?::float8[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::float8[], ?::text[],"
          + " ?::int8[], ?::int8[], ?::text[]) AS e(station, parameter, kind, family, start_ms,"
          + " peak, limit_value, standard, detail, w_mean, w_factor, w_band, w_start_ms, w_end_ms,"
          + " w_limit)),"
          + " a AS (INSERT INTO alerts (station, parameter, kind, family, started_at, silenced, value,"
          + " peak, limit_value, standard, detail, factor, band, window_start, window_end, state)"
          + " SELECT e.station, e.parameter, e.kind, e.family, "
          + ts("e.start_ms")
          + ", "
          + silenced("e.station", "e.parameter", "e.kind", "(" + ts("e.start_ms") + ")")
          + ", coalesce(e.w_mean, e.peak), greatest(e.peak, e.w_mean),"
          + " CASE WHEN e.w_start_ms IS NULL THEN e.limit_value ELSE e.w_limit END, e.standard,"
          + " e.detail, e.w_factor, e.w_band, "
          + ts("e.w_start_ms")
          + ", "
          + ts("e.w_end_ms")
          + ", 'open' FROM e"
          + " ON CONFLICT (station, coalesce(parameter, ''), kind)"
          + " WHERE state <> 'resolved' DO NOTHING"
          + " RETURNING id, silenced, family, station, parameter, kind, detail, started_at),"
          + " ev AS (INSERT INTO alert_events (alert_id, event, actor, detail)"
          + " SELECT id, 'opened', 'outfall', detail FROM a),"
          + " ob AS (INSERT INTO notification_outbox (alert_id, event, channel)"
          + " SELECT a.id, 'opened', ch FROM a CROSS JOIN unnest(?::text[]) ch"
          + " WHERE NOT a.silenced AND a.family = ANY (?::text[]))"
          + " SELECT id, station, parameter, kind, "
          + announcement("'opened'", "(extract(epoch FROM started_at) * 1000)::bigint")
          + " FROM a";

  /** Epoch milliseconds {@code ms} (an SQL expression) as a timestamptz; null stays null. */
  private static String ts(String ms) {
    return "timestamptz 'epoch' + " + ms + " * interval '1 millisecond'";
  }

  /**
   * The {@code pg_notify} of an alert change to listeners on {@code outfall_alerts} (live pages,
   * the latency benchmark), over a row with id, station, parameter and kind; its time is the next
   * parameter. PostgreSQL delivers it when the transaction commits, i.e. when the change is
   * visible.
   */
  private static String announcement(String event) {
    return announcement(event, "?::bigint");
  }

  /** {@link #announcement(String)} with its time (epoch ms) from {@code at}. */
  private static String announcement(String event, String at) {
    return "pg_notify('outfall_alerts', json_build_object('id', id, 'event', "
        + event
        + ", 'station', station, 'parameter', parameter, 'kind', kind, 'at', "
        + at
        + ")::text)";
  }

  /**
   * Records an episode that began and ended in readings that arrived late (a gateway's backlog sent
   * after its live data): a resolved alert with the episode's own times and, for a breach, its
   * latest breaching {@code window} (or null), notified as opened and resolved. Nothing if an alert
   * of the same kind already covers part of that time (the episode was seen live). Returns the new
   * alert's id, or null.
   */
  public Long recordPast(Connection c, Episode e, String standard, WindowResult window)
      throws SQLException {
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
                + ", state, resolved_at, factor, band, window_start, window_end) VALUES (?, ?, ?,"
                + " ?, ?, ?, ?, ?, ?, ?, ?, 'resolved', ?, ?, ?, ?, ?) RETURNING id")) {
      bindEpisode(ps, e, family, silenced, standard);
      ps.setTimestamp(12, Timestamp.from(e.end()));
      // as an alert opened live carries its window (openAll)
      if (window != null) {
        setDouble(ps, 7, window.mean());
        if (window.mean() != null && (e.peak() == null || window.mean() > e.peak()))
          setDouble(ps, 8, window.mean());
        ps.setString(9, limitText(window.limit()));
      }
      setDouble(ps, 13, window == null ? null : window.factor());
      ps.setString(14, window == null ? null : window.band());
      ps.setTimestamp(15, window == null ? null : Timestamp.from(window.start()));
      ps.setTimestamp(16, window == null ? null : Timestamp.from(window.end()));
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

  /** Resolves the unresolved alert of an episode, if any; its id, or null. */
  public Long closed(Connection c, Episode e) throws SQLException {
    List<Long> ids = closeAll(c, List.of(e));
    return ids.isEmpty() ? null : ids.get(0);
  }

  /**
   * Resolves the unresolved alert of each episode, if any (at most one episode per station,
   * parameter and kind); answers the ids resolved. One statement for all, like {@link #openAll}.
   */
  public List<Long> closeAll(Connection c, List<Episode> episodes) throws SQLException {
    if (episodes.isEmpty()) return List.of();
    int n = episodes.size();
    long[] end = new long[n];
    Double[] peak = new Double[n];
    String[] station = new String[n];
    String[] parameter = new String[n];
    String[] kind = new String[n];
    for (int i = 0; i < n; i++) {
      Episode e = episodes.get(i);
      end[i] = e.end().toEpochMilli();
      peak[i] = e.peak();
      station[i] = e.station();
      parameter[i] = e.parameter();
      kind[i] = e.kind().label();
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    try (var ps = c.prepareStatement(CLOSE)) {
      ps.setArray(1, pg.createArrayOf("int8", end));
      ps.setArray(2, pg.createArrayOf("float8", peak));
      ps.setArray(3, pg.createArrayOf("text", station));
      ps.setArray(4, pg.createArrayOf("text", parameter));
      ps.setArray(5, pg.createArrayOf("text", kind));
      bindNotified(pg, ps, 6);
      return ids(ps);
    }
  }

  /**
   * {@link #closeAll}: the resolutions as arrays (1–5), their events, their notifications on the
   * channels (6) when the alert's family notifies (7), the announcement at the episode's end.
   */
  private static final String CLOSE =
      "WITH e AS (SELECT * FROM unnest(?::int8[], ?::float8[], ?::text[], ?::text[], ?::text[])"
          + " AS e(end_ms, peak, station, parameter, kind)),"
          + " a AS (UPDATE alerts SET state = 'resolved',"
          + " resolved_at = timestamptz 'epoch' + e.end_ms * interval '1 millisecond',"
          + " peak = coalesce(e.peak, alerts.peak), updated_at = now() FROM e"
          + " WHERE alerts.station = e.station"
          + " AND coalesce(alerts.parameter, '') = coalesce(e.parameter, '')"
          + " AND alerts.kind = e.kind AND alerts.state <> 'resolved'"
          + " RETURNING alerts.id, alerts.family, alerts.silenced, alerts.station,"
          + " alerts.parameter, alerts.kind, e.end_ms),"
          + " ev AS (INSERT INTO alert_events (alert_id, event, actor)"
          + " SELECT id, 'resolved', 'outfall' FROM a),"
          + " ob AS (INSERT INTO notification_outbox (alert_id, event, channel)"
          + " SELECT a.id, 'resolved', ch FROM a CROSS JOIN unnest(?::text[]) ch"
          + " WHERE NOT a.silenced AND a.family = ANY (?::text[]))"
          + " SELECT id, "
          + announcement("'resolved'", "end_ms")
          + " FROM a";

  /** Attaches a breaching window to its open breach alert; a worse band notifies again. */
  public void breachWindow(Connection c, WindowResult w) throws SQLException {
    breachWindows(c, List.of(w));
  }

  /**
   * {@link #breachWindow} for several windows (at most one per station and parameter), in one
   * statement; the rare worsening writes its event and notifications after it.
   */
  public void breachWindows(Connection c, List<WindowResult> windows) throws SQLException {
    if (windows.isEmpty()) return;
    int n = windows.size();
    WindowColumns columns = new WindowColumns(n);
    String[] station = new String[n];
    String[] parameter = new String[n];
    for (int i = 0; i < n; i++) {
      WindowResult w = windows.get(i);
      columns.set(i, w);
      station[i] = w.station();
      parameter[i] = w.parameter();
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    try (var ps = c.prepareStatement(WINDOWS)) {
      columns.bind(pg, ps, 1);
      ps.setArray(7, pg.createArrayOf("text", station));
      ps.setArray(8, pg.createArrayOf("text", parameter));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          String old = rs.getString(2);
          String now = rs.getString(3);
          if (old != null && rank(now) > rank(old)) {
            event(c, rs.getLong(1), "worsened", "outfall", "band " + old + " → " + now);
            if (!rs.getBoolean(4)) notify(c, rs.getLong(1), "compliance", "worsened");
          }
        }
      }
    }
  }

  /**
   * Breaching windows as statement parameters, in the order both {@link #OPEN} and {@link #WINDOWS}
   * take them: mean, factor, band, start, end, limit (null where an opening has no window).
   */
  private static final class WindowColumns {
    final Double[] mean;
    final Double[] factor;
    final String[] band;
    final Long[] start;
    final Long[] end;
    final String[] limit;

    WindowColumns(int n) {
      mean = new Double[n];
      factor = new Double[n];
      band = new String[n];
      start = new Long[n];
      end = new Long[n];
      limit = new String[n];
    }

    void set(int i, WindowResult w) {
      mean[i] = w.mean();
      factor[i] = w.factor();
      band[i] = w.band();
      start[i] = w.start().toEpochMilli();
      end[i] = w.end().toEpochMilli();
      limit[i] = limitText(w.limit());
    }

    void bind(PGConnection pg, PreparedStatement ps, int first) throws SQLException {
      ps.setArray(first, pg.createArrayOf("float8", mean));
      ps.setArray(first + 1, pg.createArrayOf("float8", factor));
      ps.setArray(first + 2, pg.createArrayOf("text", band));
      ps.setArray(first + 3, pg.createArrayOf("int8", start));
      ps.setArray(first + 4, pg.createArrayOf("int8", end));
      ps.setArray(first + 5, pg.createArrayOf("text", limit));
    }
  }

  /**
   * {@link #breachWindows}: the windows as arrays (1–8); each alert's band before and after. A band
   * that changed, either way, is announced (live pages and the overview show it).
   */
  private static final String WINDOWS =
      "WITH changed AS (UPDATE alerts a SET value = o.mean, peak = greatest(a.peak, o.mean), factor = o.factor,"
          + " band = o.band, window_start = timestamptz 'epoch' + o.start_ms * interval '1"
          + " millisecond', window_end = timestamptz 'epoch' + o.end_ms * interval '1 millisecond',"
          + " limit_value = o.limit_value, updated_at = now()"
          + " FROM (SELECT al.id, al.band AS old_band, w.* FROM unnest(?::float8[], ?::float8[],"
          + " ?::text[], ?::int8[], ?::int8[], ?::text[], ?::text[], ?::text[]) AS w(mean, factor,"
          + " band, start_ms, end_ms, limit_value, station, parameter)"
          + " JOIN alerts al ON al.station = w.station AND al.parameter = w.parameter"
          + " AND al.kind = 'breach' AND al.state <> 'resolved' FOR UPDATE OF al) o"
          + " WHERE a.id = o.id RETURNING a.id, o.old_band, a.band, a.silenced, a.station,"
          + " a.parameter, a.kind)"
          + " SELECT id, old_band, band, silenced, CASE WHEN old_band IS DISTINCT FROM band THEN "
          + announcement("'band_changed'", "(extract(epoch FROM now()) * 1000)::bigint")
          + " END FROM changed";

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

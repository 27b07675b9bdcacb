package io.outfall.ingest.alerts;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.alerts.notify.AlertNotice;
import io.outfall.ingest.alerts.notify.Notifier;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the outbox holds. A notification leaves the outbox only once its channel accepted it;
 * a failure is retried with exponential backoff (2 s, 4 s, … up to 10 min), for as long as it
 * takes. Several ingest instances may run dispatchers: {@code FOR UPDATE SKIP LOCKED} gives each
 * row to one.
 *
 * <p>The message is built when it is sent, from the alert as it is then, so a notification that
 * waited out an outage says what is true now (e.g. that the breach was resolved meanwhile).
 */
public final class NotificationDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);
  private static final String DUE =
      "SELECT o.id, o.event, o.channel, o.attempts, a.id, a.station, si.code, a.parameter, a.kind, a.family, a.value, a.peak,"
          + " a.limit_value, a.factor, a.band, a.window_start, a.window_end, a.started_at, a.resolved_at, a.standard, a.detail"
          + " FROM notification_outbox o JOIN alerts a ON a.id = o.alert_id"
          + " LEFT JOIN stations st ON st.code = a.station LEFT JOIN sites si ON si.id = st.site_id"
          + " WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now() ORDER BY o.id LIMIT 50 FOR UPDATE OF o SKIP LOCKED";

  private final DataSource ds;
  private final Map<String, Notifier> notifiers;
  private final ParameterCatalog parameters;
  private final String publicUrl;
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile boolean running = true;

  public NotificationDispatcher(
      DataSource ds, Iterable<Notifier> notifiers, ParameterCatalog parameters, String publicUrl) {
    this.ds = ds;
    this.notifiers =
        StreamSupport.stream(notifiers.spliterator(), false)
            .collect(Collectors.toMap(Notifier::channel, Function.identity()));
    this.parameters = parameters;
    this.publicUrl = publicUrl.replaceAll("/+$", "");
    this.thread = new Thread(this::run, "outfall-notify");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Something may be due: look now rather than at the next poll. */
  public void wakeUp() {
    wake.release();
  }

  private void run() {
    while (running) {
      try {
        wake.tryAcquire(1, TimeUnit.SECONDS);
        wake.drainPermits();
        while (running && sendDue() > 0) {
          // keep going while there is work
        }
      } catch (InterruptedException e) {
        return;
      } catch (SQLException | RuntimeException e) {
        log.warn("notifications: {}", e.toString());
      }
    }
  }

  /** Sends one batch of due notifications; returns how many were due. */
  int sendDue() throws SQLException {
    int n = 0;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var st = c.createStatement();
          var rs = st.executeQuery(DUE)) {
        while (rs.next()) {
          n++;
          long id = rs.getLong(1);
          String channel = rs.getString(3);
          int attempts = rs.getInt(4);
          Notifier notifier = notifiers.get(channel);
          try {
            if (notifier == null)
              throw new IllegalStateException("channel " + channel + " is not configured");
            notifier.send(notice(rs));
            mark(
                c,
                "UPDATE notification_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ?",
                id,
                null,
                null);
          } catch (Exception e) {
            Duration backoff = Duration.ofSeconds(Math.min(600, 2L << Math.min(attempts, 9)));
            log.warn(
                "notification {} via {} failed (attempt {}), retry in {} s: {}",
                id,
                channel,
                attempts + 1,
                backoff.toSeconds(),
                e.toString());
            mark(
                c,
                "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                id,
                Instant.now().plus(backoff),
                String.valueOf(e.getMessage()));
          }
        }
      }
      c.commit();
    }
    return n;
  }

  private static void mark(Connection c, String sql, long id, Instant next, String error)
      throws SQLException {
    try (var ps = c.prepareStatement(sql)) {
      if (next == null) {
        ps.setLong(1, id);
      } else {
        ps.setTimestamp(1, Timestamp.from(next));
        ps.setString(2, error);
        ps.setLong(3, id);
      }
      ps.executeUpdate();
    }
  }

  private AlertNotice notice(ResultSet rs) throws SQLException {
    String parameter = rs.getString(8);
    ParameterCatalog.Parameter p = parameter == null ? null : parameters.byCode(parameter);
    return new AlertNotice(
        rs.getLong(5),
        rs.getString(2),
        rs.getString(6),
        rs.getString(7),
        parameter,
        rs.getString(9),
        rs.getString(10),
        (Double) rs.getObject(11),
        (Double) rs.getObject(12),
        rs.getString(13),
        p == null ? null : p.unit(),
        (Double) rs.getObject(14),
        rs.getString(15),
        instant(rs.getTimestamp(16)),
        instant(rs.getTimestamp(17)),
        instant(rs.getTimestamp(18)),
        instant(rs.getTimestamp(19)),
        rs.getString(20),
        rs.getString(21),
        publicUrl + "/api/alerts/" + rs.getLong(5));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}

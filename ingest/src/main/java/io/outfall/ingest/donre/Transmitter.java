package io.outfall.ingest.donre;

import io.outfall.compliance.evaluation.Episode;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.background.Daemons;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each transmitting station's files to the environment department's FTP server. What it
 * guarantees:
 *
 * <ul>
 *   <li><b>Once per station and interval.</b> When an interval has ended (plus {@code
 *       donre.grace-seconds}), its file is made from the stored readings and queued in the outbox
 *       ({@code donre_outbox}); a unique index keeps it to one. After a stop of the server the
 *       intervals it missed are made when it starts again, up to {@link #CATCH_UP} back.
 *   <li><b>In time order, until the server has it.</b> Files go oldest first; a failed upload stops
 *       the round and the next round starts again at that file, so an FTP outage is followed by the
 *       missed intervals in order, each once: an upload whose confirmation was lost is found under
 *       its final name and not sent again (see {@link FtpUploader}).
 *   <li><b>Late readings count.</b> The writer marks station-hours that receive readings after they
 *       were due ({@code late_readings}). A file not sent yet is remade with them; a file already
 *       sent gets a correction: a file of the same name pattern, named with the time it was made
 *       (never an interval boundary, so never a regular file's name), whose lines carry the
 *       interval's times. An interval that had no file gets its regular file then. Readings from
 *       before a station's first interval are history, not sent (an export has them): a new
 *       station's backfill does not flood the department.
 *   <li><b>One sender.</b> Any number of servers may run; the one holding PostgreSQL advisory lock
 *       {@link #LOCK} transmits, and another takes over within seconds if it stops.
 * </ul>
 */
public final class Transmitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Transmitter.class);
  static final long LOCK = 0x646f6e7265L; // "donre"

  /** How far back a server that was stopped makes the intervals it missed. */
  static final Duration CATCH_UP = Duration.ofDays(7);

  private static final int ROUND = 500;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final DataSource ds;
  private final DonreSettings settings;
  private final Intervals intervals;
  private final FileMaker maker;
  private final AlertStore alerts;
  private final RegulatorMetrics metrics;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private Connection lock;
  private Instant nextAttempt = Instant.MIN;
  private Duration backoff = Duration.ofSeconds(1);
  private long lastBehindCheck;

  /**
   * @param alerts where a station whose files are behind gets its data-quality alert, or null when
   *     alerting is off
   */
  Transmitter(
      DataSource ds,
      DonreSettings settings,
      Intervals intervals,
      FileMaker maker,
      AlertStore alerts,
      RegulatorMetrics metrics,
      Clock clock) {
    this.ds = ds;
    this.settings = settings;
    this.intervals = intervals;
    this.maker = maker;
    this.alerts = alerts;
    this.metrics = metrics;
    this.clock = clock;
    this.thread = Daemons.scheduler("outfall-donre-transmitter");
  }

  void start() {
    log.info(
        "regulator link: files every {} s to {}",
        intervals.length().getSeconds(),
        settings.target());
    thread.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  private void tick() {
    try {
      if (!leading()) return;
      Instant now = clock.instant();
      make(now);
      lateReadings(now);
      boolean caughtUp = send(now);
      if (caughtUp || System.nanoTime() - lastBehindCheck > TimeUnit.SECONDS.toNanos(10)) {
        lastBehindCheck = System.nanoTime();
        watchBehind(now);
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("regulator link: {}; trying again", e.toString());
      releaseLock();
    }
  }

  private boolean leading() throws SQLException {
    if (lock != null && lock.isValid(2)) return true;
    releaseLock();
    Connection c = ds.getConnection();
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT pg_try_advisory_lock(" + LOCK + ")")) {
      rs.next();
      if (rs.getBoolean(1)) {
        lock = c;
        log.info("regulator link: this server transmits");
        return true;
      }
    }
    c.close();
    return false;
  }

  private void releaseLock() {
    if (lock == null) return;
    try {
      lock.close();
    } catch (SQLException ignored) {
      // the lock goes with the connection
    }
    lock = null;
  }

  /** Queues the regular files of every interval that ended since each station's last. */
  private void make(Instant now) throws SQLException {
    Instant due = intervals.startOf(now.minus(settings.grace())); // intervals ending by then
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      for (FileMaker.Station st : Outbox.transmitting(c)) {
        Instant from =
            Outbox.progress(c, st.id())
                .map(Outbox.Progress::until)
                .orElse(due.minus(intervals.length())); // a new one: from its last interval
        Instant earliest = due.minus(CATCH_UP);
        if (from.isBefore(earliest)) {
          log.warn(
              "regulator link: {} was last transmitted {}; making files from {} on",
              st.code(),
              from,
              earliest);
          from = earliest;
        }
        if (!from.isBefore(due)) continue;
        for (FileMaker.Made f : maker.files(c, st, from, due)) Outbox.addRegular(c, st.id(), f);
        Outbox.madeUntil(c, st.id(), from, due);
        c.commit();
      }
    }
  }

  /** Remakes what late readings changed: unsent files, corrections, intervals that had none. */
  private void lateReadings(Instant now) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      for (Outbox.LateHour h : Outbox.lateHours(c, 100)) {
        if (Outbox.transmits(c, h.station().id())) {
          Optional<Outbox.Progress> made = Outbox.progress(c, h.station().id());
          if (made.isPresent()) {
            // what is before the station's first interval is history and not sent; what is
            // after its last made interval is made in its turn
            Instant from = max(h.hour(), made.get().from());
            Instant to = min(h.hour().plus(Duration.ofHours(1)), made.get().until());
            if (from.isBefore(to))
              for (FileMaker.Made f : maker.files(c, h.station(), from, to))
                remake(c, h.station(), f, now);
          }
        }
        Outbox.doneLate(c, h);
      }
      c.commit();
    }
  }

  private void remake(Connection c, FileMaker.Station st, FileMaker.Made f, Instant now)
      throws SQLException {
    Optional<Outbox.Kept> kept = Outbox.kept(c, st.id(), f.start());
    if (kept.isEmpty()) {
      Outbox.addRegular(c, st.id(), f); // no reading was there when its turn came
    } else if (!Outbox.same(kept.get().content(), f.content())) {
      if (!kept.get().sent()) Outbox.remake(c, kept.get().id(), f.content());
      else Outbox.addCorrection(c, st.id(), f, correctionName(c, st, now));
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** The time the correction is made, moved off interval boundaries and names already used. */
  private String correctionName(Connection c, FileMaker.Station st, Instant now)
      throws SQLException {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    while (true) {
      LocalDateTime local = intervals.local(t);
      String name = settings.names().name(st.site(), st.code(), local);
      if (!intervals.isBoundary(t) && !Outbox.nameTaken(c, name)) return name;
      t = t.plusSeconds(1);
    }
  }

  /**
   * Uploads what waits, oldest first, until the queue is empty or an upload fails. True when this
   * round emptied the queue: the behind alerts are checked at once then, so that one resolves as
   * soon as its station has caught up.
   */
  private boolean send(Instant now) throws SQLException {
    if (now.isBefore(nextAttempt)) return false;
    try (Connection c = ds.getConnection()) {
      List<Outbox.Pending> pending = Outbox.pending(c, ROUND);
      metrics.backlog(Outbox.backlog(c));
      if (pending.isEmpty()) return false;
      try (FtpUploader ftp = FtpUploader.open(settings.target(), settings.targetCa())) {
        for (Outbox.Pending p : pending) {
          long t0 = System.nanoTime();
          boolean uploaded = ftp.upload(p.fileName(), p.content());
          Outbox.sent(c, p.id());
          metrics.sent(p.correction(), Duration.ofNanos(System.nanoTime() - t0));
          if (!uploaded)
            log.info(
                "regulator link: {} was already on the server (a lost confirmation)", p.fileName());
        }
        backoff = Duration.ofSeconds(1);
        int left = Outbox.backlog(c);
        metrics.backlog(left);
        return left == 0;
      } catch (IOException e) {
        metrics.failed();
        Outbox.failed(c, pending.get(0).id(), e.getMessage());
        nextAttempt = now.plus(backoff);
        log.warn(
            "regulator link: {} not sent ({}); trying again in {} s",
            pending.get(0).fileName(),
            e.getMessage(),
            backoff.getSeconds());
        backoff = backoff.multipliedBy(2);
        if (backoff.compareTo(MAX_BACKOFF) > 0) backoff = MAX_BACKOFF;
      }
      metrics.backlog(Outbox.backlog(c));
      return false;
    }
  }

  /** A data-quality alert for each station whose oldest unsent file is older than the setting. */
  private void watchBehind(Instant now) throws SQLException {
    if (alerts == null) return;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      Set<String> nowBehind = new HashSet<>();
      for (Outbox.Behind b : Outbox.oldestUnsent(c)) {
        if (Duration.between(b.oldestEnd(), now).compareTo(settings.behindAlert()) <= 0) continue;
        nowBehind.add(b.station());
        alerts.opened(
            c,
            Episode.ofStation(
                Episode.Kind.TRANSMISSION_BEHIND,
                b.station(),
                b.oldestEnd(),
                null,
                "files for the environment department waiting since " + b.oldestEnd()),
            null);
      }
      for (String station : Outbox.openBehindAlerts(c))
        if (!nowBehind.contains(station))
          alerts.closed(
              c,
              Episode.ofStation(Episode.Kind.TRANSMISSION_BEHIND, station, now, now, "files sent"));
      c.commit();
    }
  }

  @Override
  public void close() throws InterruptedException {
    thread.shutdown();
    thread.awaitTermination(10, TimeUnit.SECONDS);
    releaseLock();
  }
}

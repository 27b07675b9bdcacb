package io.outfall.ingest.intake;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds what the writer committed into {@code readings_hourly}, {@code readings_daily} and {@code
 * reading_spans}, shortly after the commit and in a transaction of its own, so that the aggregates
 * cost the writer's transaction nothing (they were half of its statement: docs/performance.md).
 *
 * <p>Guarantees. Each writer transaction that stored new readings leaves one row in {@code
 * reading_batches} (migration V17): its transaction id and the key ranges it stored. A fold locks
 * pending rows with {@code FOR UPDATE SKIP LOCKED}, reads back exactly the readings those
 * transactions inserted (in the ranges, {@code xmin} = the batch's transaction), adds them to their
 * hours and days, and deletes the rows, all in one transaction: a batch is folded once, a replay
 * (inserted nothing) is never folded, and a crash anywhere leaves the batch for the next fold.
 * Every column merges by addition, least/greatest or OR, so batches folded in any order by any
 * number of followers (one per ingest instance) give the same aggregates. The price: the aggregates
 * trail the readings by one fold, a few milliseconds when idle (and the writer's pause, below) and
 * up to a second under load.
 *
 * <p>Reading back is the fold's largest cost, so the writer of the same instance counts each batch
 * by station-hour itself and hands the counts over before it commits ({@link HourRows}); the fold
 * adds those and reads back only batches it was not handed (another instance's, or left by a
 * crash). Both are counted by the same rules, so the aggregates do not depend on which was used.
 *
 * <p>Batches coalesce: while a fold runs, the batches committed meanwhile wait and are folded
 * together by the next, so under load one upsert covers many readings of each station-hour.
 *
 * <p>A fold waits for a pause in the writer ({@link #deferral}): it costs the database several
 * times what the writer's transaction does (20 ms against 6 for a tick of 500 stations), and run at
 * once after the first commit of a burst it took the cores from the burst's second transaction,
 * whose readings (and the alerts they raise) then waited longer. Under a load without pauses it
 * waits at most {@link #MAX_DEFER_NANOS}.
 */
public final class AggregateFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AggregateFollower.class);

  /** Batches per fold: bounds one fold's transaction when a backlog was left behind. */
  private static final int MAX_BATCHES = 200;

  /** Looks without being woken this often: batches of an instance that crashed. */
  private static final long SWEEP_MILLIS = 1_000;

  /**
   * How long the writer must have had nothing to write for a fold to start: longer than the
   * writer's own 2 ms gap, so that the stragglers of a burst of gateways are not taken for its end.
   */
  static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** The longest a woken fold waits for the writer to pause: the aggregates' lag under load. */
  static final long MAX_DEFER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** How often a fold waiting for a busy writer looks again. */
  private static final long BUSY_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * Folds the batches of the first array; those of the second were counted by the writer and handed
   * over ({@link HourRows}, bound from the third parameter on), the others are read back ({@link
   * NewReadings#readBack}).
   */
  private static final String FOLD =
      "WITH b AS (SELECT id, xid, station_ids, parameter_ids, first_ts, last_ts"
          + " FROM reading_batches WHERE id = ANY (?) AND id <> ALL (?)),"
          + " ins AS (SELECT r.* FROM "
          + NewReadings.readBack("b")
          + "),"
          + " hours AS ("
          + HourlyAggregates.hoursOf("ins")
          + " UNION ALL "
          + HourlyAggregates.fromArrays()
          + "), hourly AS ("
          + HourlyAggregates.upsertHours("hours")
          + "), daily AS ("
          + HourlyAggregates.dailyFrom("hourly")
          + "), done AS (DELETE FROM reading_batches WHERE id = ANY (?)"
          + " RETURNING stored_at, station_ids, parameter_ids, first_ts, last_ts),"
          + " spans AS ("
          + HourlyAggregates.widenSpans("done")
          + ")"
          + " SELECT (SELECT count(*) FROM done), (SELECT count(*) FROM ins),"
          + " (SELECT coalesce(extract(epoch FROM clock_timestamp() - min(stored_at)), 0) FROM done)";

  /**
   * Hours the writer counted, by batch id, not folded yet: at most 200,000 station-hours (beyond,
   * batches are read back).
   */
  private final HandedBatches<HourRows> handed = new HandedBatches<>(200_000);

  private final DataSource dataSource;
  private final IntakeMetrics metrics;

  /** How long the writer has had nothing to write, in nanoseconds; 0 while it gathers or writes. */
  private final LongSupplier writerIdle;

  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile boolean running = true;

  AggregateFollower(DataSource dataSource, IntakeMetrics metrics, LongSupplier writerIdle) {
    this.dataSource = dataSource;
    this.metrics = metrics;
    this.writerIdle = writerIdle;
    this.thread = new Thread(this::run, "outfall-aggregates");
  }

  void start() {
    thread.start();
  }

  /** How long a reader waits for the aggregates to hold what was committed (a fold takes ms). */
  private static final Duration FOLD_WAIT = Duration.ofSeconds(2);

  /**
   * A batch waiting longer than this means the followers are failing or far behind: readers then
   * answer from what is folded at once rather than wait 2 s at every request.
   */
  private static final Duration BEHIND = Duration.ofSeconds(5);

  /**
   * Waits until every batch committed before the call has been folded, so that what a reader of the
   * aggregates reads next includes every reading stored so far (the overview, reports, KPIs, hourly
   * charts: whoever stored readings and then asks sees them); at most 2 s, and not at all when a
   * batch has waited 5 s already. False when it did not wait for all: a follower failing or far
   * behind. {@code c} in auto-commit, so that each look sees new commits; one query when nothing is
   * pending.
   */
  public static boolean awaitFolded(Connection c) throws SQLException {
    Array pending;
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT array_agg(id), coalesce(extract(epoch FROM clock_timestamp()"
                    + " - min(stored_at)), 0) FROM reading_batches")) {
      rs.next();
      pending = rs.getArray(1);
      if (pending != null && rs.getDouble(2) > BEHIND.toSeconds()) return false;
    }
    if (pending == null) return true;
    long deadline = System.nanoTime() + FOLD_WAIT.toNanos();
    try (var ps =
        c.prepareStatement("SELECT EXISTS (SELECT 1 FROM reading_batches WHERE id = ANY (?))")) {
      ps.setArray(1, pending);
      while (true) {
        try (var rs = ps.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) return true;
        }
        if (System.nanoTime() > deadline) return false;
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  /**
   * The writer's hours of batch {@code batchId}, before the transaction that records the batch
   * commits; false when too much is held already (the batch is read back).
   */
  boolean offer(long batchId, HourRows hours) {
    if (!handed.hasRoom()) return false;
    handed.put(batchId, hours, hours.size());
    return true;
  }

  /** The transaction of batch {@code batchId} did not commit (or may not have). */
  void withdraw(long batchId) {
    handed.take(batchId);
  }

  /** A batch committed: fold it soon. Cheap; many wake-ups during a fold make one more fold. */
  void wake() {
    if (wake.availablePermits() == 0) wake.release();
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try {
        if (wake.tryAcquire(SWEEP_MILLIS, TimeUnit.MILLISECONDS)) awaitWritersPause();
        wake.drainPermits();
        while (running && foldOnce() == MAX_BATCHES) {
          // a backlog: keep folding
        }
        if (backoff > 100) log.info("folding readings into the aggregates again");
        backoff = 100;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (SQLException e) {
        // transient or not, the batches stay and the next fold retries them
        metrics.foldFailed();
        if (backoff == 100) { // once per outage, not at every retry
          log.warn("folding readings into the aggregates failed, retrying: {}", e.getMessage());
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private void awaitWritersPause() throws InterruptedException {
    long woken = System.nanoTime();
    long wait;
    while (running && (wait = deferral(writerIdle.getAsLong(), woken, System.nanoTime())) > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  /**
   * How much longer a fold woken at {@code woken} waits at {@code now}, the writer having had
   * nothing to write for {@code writerIdle} nanoseconds (0 while it writes); 0: fold now.
   */
  static long deferral(long writerIdle, long woken, long now) {
    long left = woken + MAX_DEFER_NANOS - now;
    if (left <= 0 || writerIdle >= QUIET_NANOS) return 0;
    return Math.min(left, writerIdle > 0 ? QUIET_NANOS - writerIdle : BUSY_RECHECK_NANOS);
  }

  /** One fold; the number of batches it folded. */
  int foldOnce() throws SQLException {
    long start = System.nanoTime();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (var lock = c.createStatement();
          var locked =
              lock.executeQuery(
                  "SELECT array_agg(id) FROM (SELECT id FROM reading_batches ORDER BY id LIMIT "
                      + MAX_BATCHES
                      + " FOR UPDATE SKIP LOCKED) b");
          var fold = c.prepareStatement(FOLD)) {
        locked.next();
        Array ids = locked.getArray(1);
        if (ids == null) {
          c.commit();
          return 0;
        }
        MeterDays.dropChanged(c, ids); // before the fold deletes the batches' key ranges
        List<Long> counted = new ArrayList<>();
        List<HourRows> hours = new ArrayList<>();
        int countedReadings = 0;
        for (Long id : (Long[]) ids.getArray()) {
          HourRows h = handed.take(id); // taken now: a failed fold reads the batch back next time
          if (h == null) continue;
          counted.add(id);
          hours.add(h);
          for (HourRows.Hour x : h.hours()) countedReadings += x.n;
        }
        handed.dropOlderThan(60); // batches another instance's follower folded
        fold.setArray(1, ids);
        fold.setArray(2, c.createArrayOf("int8", counted.toArray()));
        HourRows.of(hours).bind(c, fold, 3);
        fold.setArray(14, ids);
        var rs = fold.executeQuery();
        rs.next();
        int batches = rs.getInt(1);
        int readBack = rs.getInt(2);
        double lagSeconds = rs.getDouble(3);
        c.commit();
        if (batches > 0)
          metrics.folded(
              batches,
              readBack + countedReadings,
              readBack,
              System.nanoTime() - start,
              (long) (lagSeconds * 1_000_000_000L));
        return batches;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool discards it
        }
        throw e;
      }
    }
  }

  /** Folds what is left (best effort: what is not folded now is folded by the next start). */
  @Override
  public void close() throws InterruptedException {
    running = false;
    wake.release();
    thread.join(10_000);
    try {
      while (foldOnce() == MAX_BATCHES) {
        // drain
      }
    } catch (SQLException e) {
      log.warn("aggregates left for the next start: {}", e.getMessage());
    }
  }
}

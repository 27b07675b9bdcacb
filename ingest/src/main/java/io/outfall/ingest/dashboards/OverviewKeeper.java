package io.outfall.ingest.dashboards;

import io.outfall.ingest.background.Daemons;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the regulator's overview current in the background ({@link Overview#keep}), so that an
 * answer finds its stations' rows computed instead of computing them. An overview kept only by its
 * answers did all the work of a change at the first answer after it: after a province's broker
 * outage, when a thousand plants' backlogs had arrived, the first answer reloaded every station's
 * thirty days and measured every sampling plan, 4.4-5.8 s on two shared cores, and the answers of
 * the next ten seconds were still two to five times their usual time (bench-fleet, 2026-12-05).
 *
 * <p>It runs when an announcement was heard since its last run (readings, alerts, the registry,
 * permits) or the five-minute slot counted in moved, at most every {@link #PAUSE}; after a run that
 * took t, not again before {@value #SHARE} t, so that it takes at most a fifth of a core even while
 * a province's backlogs arrive and each run reloads hundreds of stations. Answers stay as fresh as
 * before: each still catches up with the database before answering, and finds at most what arrived
 * since the last run to compute. A failure (the database away) is logged once per streak and tried
 * again after a pause that doubles up to {@link #LONGEST_PAUSE}.
 */
public final class OverviewKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OverviewKeeper.class);

  /** The shortest pause between two runs. */
  public static final Duration PAUSE = Duration.ofSeconds(1);

  /** A run that took t is followed by a pause of at least this many t. */
  static final int SHARE = 4;

  /** The longest pause after failures. */
  static final Duration LONGEST_PAUSE = Duration.ofMinutes(1);

  private final Overview overview;
  private final Clock clock;
  private final ScheduledExecutorService thread = Daemons.scheduler("outfall-overview-keeper");

  /** {@link Overview#heard} when the last run that ended well began; written by the thread only. */
  private volatile long heardAtLastRun = -1;

  private int failures; // the thread's only

  /** Starts keeping {@code overview} current at {@code clock}'s time; close to stop. */
  public OverviewKeeper(Overview overview, Clock clock) {
    this.overview = overview;
    this.clock = clock;
    thread.execute(this::run);
  }

  /** Whether its last run began after every announcement heard so far had been applied. */
  public boolean current() {
    return heardAtLastRun == overview.heard();
  }

  private void run() {
    Duration pause = PAUSE;
    long heard = overview.heard(); // before the run: what is heard during it makes another
    Instant now = clock.instant();
    if (heard != heardAtLastRun || overview.periodsMoved(now)) {
      long started = System.nanoTime();
      try {
        overview.keep(now);
        heardAtLastRun = heard;
        failures = 0;
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (took.multipliedBy(SHARE).compareTo(pause) > 0) pause = took.multipliedBy(SHARE);
      } catch (SQLException | RuntimeException e) {
        if (failures++ == 0)
          log.warn("overview not kept current (answers still are): {}", e.toString());
        pause = PAUSE.multipliedBy(1L << Math.min(failures, 6));
        if (pause.compareTo(LONGEST_PAUSE) > 0) pause = LONGEST_PAUSE;
      }
    }
    try {
      thread.schedule(this::run, pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  @Override
  public void close() throws InterruptedException {
    thread.shutdownNow();
    thread.awaitTermination(10, TimeUnit.SECONDS);
  }
}

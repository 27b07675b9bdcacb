package io.outfall.ingest.intake;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outfall.ingest.background.Daemons;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the writer's two followers are behind: the batches waiting in {@code evaluation_batches}
 * for the compliance engine and in {@code reading_batches} for the aggregates, and how old the
 * oldest of each is, sampled from those tables every few seconds.
 *
 * <p>Why from the tables and on every instance: the followers' own timers ({@code
 * outfall_compliance_drain_seconds}, {@code outfall_ingest_aggregates_lag_seconds}) are recorded
 * only when they take a batch, so a follower that stopped taking them (no instance leads the
 * engine, a leader stuck in a statement, folds that keep failing) would show nothing at all while
 * breaches go unjudged. The tables are shared by every instance, so each reports the same figures
 * whether it leads or not, and a backlog no one drains is seen wherever Prometheus scrapes.
 *
 * <p>The figures are read from memory by {@code /metrics} and {@code /api/health}; a sample that
 * fails (the database is down) makes them unknown (NaN, null) rather than stale.
 */
public final class FollowerBacklog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FollowerBacklog.class);

  /** How often the tables are looked at: well inside a scrape interval, cheap on small tables. */
  static final long EVERY_SECONDS = 5;

  /**
   * One look at both tables. The age is the database's own clock against the writer's transaction
   * start ({@code stored_at}), so clock skew between instances does not enter it.
   */
  private static final String SAMPLE =
      "SELECT e.n, e.readings, e.age, r.n, r.age FROM"
          + " (SELECT count(*) AS n, coalesce(sum(readings), 0) AS readings,"
          + " coalesce(extract(epoch FROM clock_timestamp() - min(stored_at)), 0) AS age"
          + " FROM evaluation_batches) e,"
          + " (SELECT count(*) AS n,"
          + " coalesce(extract(epoch FROM clock_timestamp() - min(stored_at)), 0) AS age"
          + " FROM reading_batches) r";

  /**
   * What waits for one follower.
   *
   * @param batches writer transactions not taken yet
   * @param readings the readings they stored, where the table records it (the compliance engine's),
   *     else -1
   * @param oldestSeconds since the oldest of them was stored; 0 when none waits
   */
  public record Waiting(long batches, long readings, double oldestSeconds) {}

  /** Both followers at one moment. */
  public record Sample(Instant at, Waiting compliance, Waiting aggregates) {}

  private final DataSource ds;
  private final ScheduledExecutorService sampler;
  private volatile Sample last;

  public FollowerBacklog(DataSource ds, MeterRegistry registry) {
    this.ds = ds;
    this.sampler = Daemons.scheduler("outfall-follower-backlog");
    gauge(
        registry,
        "outfall.compliance.backlog.batches",
        null,
        "Writer transactions whose readings the compliance engine has not judged yet",
        s -> s.compliance().batches());
    gauge(
        registry,
        "outfall.compliance.backlog.readings",
        null,
        "Readings stored and not judged yet",
        s -> s.compliance().readings());
    gauge(
        registry,
        "outfall.compliance.backlog.age",
        "seconds",
        "Since the oldest batch still waiting to be judged was stored (0 when none waits)",
        s -> s.compliance().oldestSeconds());
    gauge(
        registry,
        "outfall.ingest.aggregates.backlog.batches",
        null,
        "Writer transactions not folded into the hourly and daily aggregates yet",
        s -> s.aggregates().batches());
    gauge(
        registry,
        "outfall.ingest.aggregates.backlog.age",
        "seconds",
        "Since the oldest batch still waiting to be folded was stored (0 when none waits)",
        s -> s.aggregates().oldestSeconds());
  }

  /** Samples now and then every {@link #EVERY_SECONDS} seconds. */
  public FollowerBacklog start() {
    sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, EVERY_SECONDS, TimeUnit.SECONDS);
    return this;
  }

  /** The last sample, or null when the last attempt failed or none was made yet. */
  public Sample last() {
    return last;
  }

  /** Looks at the tables now; blocks. The gauges and {@link #last} answer from it. */
  public Sample sample() throws SQLException {
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery(SAMPLE)) {
      rs.next();
      Sample s =
          new Sample(
              Instant.now(),
              new Waiting(rs.getLong(1), rs.getLong(2), rs.getDouble(3)),
              new Waiting(rs.getLong(4), -1, rs.getDouble(5)));
      last = s;
      return s;
    } catch (SQLException e) {
      last = null;
      throw e;
    }
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (SQLException | RuntimeException e) {
      // the database being down is reported by outfall_database_up; the figures become unknown
      log.debug("follower backlog: cannot sample ({})", e.toString());
    }
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String unit,
      String description,
      ToDoubleFunction<Sample> value) {
    Gauge.builder(
            name,
            this,
            b -> {
              Sample s = b.last;
              return s == null ? Double.NaN : value.applyAsDouble(s);
            })
        .baseUnit(unit)
        .description(description)
        .register(registry);
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}

package io.outfall.ingest.fleet;

import io.outfall.compliance.evaluation.Episode;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.background.Daemons;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data-quality alert ({@code readings_dropped}) for every station of a gateway that dropped
 * readings unsent — its buffer or disk was full, or, after an outage longer than its {@code
 * buffer.max_age}, the readings were too old to send: the data is gone at the plant, and the
 * station's record has a hole someone must explain to the regulator.
 *
 * <p>Opened when a gateway's drop counter (from its status) grows; resolved after {@link #QUIET}
 * without growth. The leading instance does it (every instance sees the same statuses); the
 * counters last seen live in {@code gateway_drops}, so a restart or a change of leader neither
 * raises the alert again nor forgets it. A counter that went down (the gateway's buffer file was
 * made anew) is taken as the new baseline.
 */
public final class DroppedReadingsAlerts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DroppedReadingsAlerts.class);
  static final Duration QUIET = Duration.ofHours(1);
  private static final long EVERY_SECONDS = 30;

  private final DataSource ds;
  private final Supplier<List<GatewayFleet.Drops>> fleet;
  private final AlertStore alerts;
  private final BooleanSupplier leading;
  private final Clock clock;
  private final ScheduledExecutorService timer = Daemons.scheduler("outfall-dropped-readings");

  /**
   * @param fleet every gateway's drop counters as last heard ({@link GatewayFleet#drops})
   */
  public DroppedReadingsAlerts(
      DataSource ds,
      Supplier<List<GatewayFleet.Drops>> fleet,
      AlertStore alerts,
      BooleanSupplier leading,
      Clock clock) {
    this.ds = ds;
    this.fleet = fleet;
    this.alerts = alerts;
    this.leading = leading;
    this.clock = clock;
  }

  public DroppedReadingsAlerts start() {
    timer.scheduleWithFixedDelay(this::checkQuietly, 5, EVERY_SECONDS, TimeUnit.SECONDS);
    return this;
  }

  private void checkQuietly() {
    if (!leading.getAsBoolean()) return;
    try {
      check(clock.instant());
    } catch (SQLException | RuntimeException e) {
      log.warn("dropped-readings alerts: {}; trying again in {} s", e.toString(), EVERY_SECONDS);
    }
  }

  /**
   * One pass: every gateway's counters against the last seen, then the quiet ones resolved. The
   * timer runs it every 30 s on the leader; tests with a clock of their own.
   */
  public void check(Instant now) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      for (GatewayFleet.Drops d : fleet.get()) {
        long grew = grewBy(c, d, now);
        if (grew <= 0) continue;
        String detail =
            "gateway "
                + d.site()
                + "/"
                + d.gateway()
                + " dropped "
                + grew
                + " readings unsent ("
                + d.dropped()
                + " in all, "
                + d.droppedByAge()
                + " of them past its buffer.max_age): its buffer or disk filled during an outage,"
                + " or they were older than it keeps";
        for (String station : stationsOf(c, d.site(), d.gateway()))
          alerts.opened(
              c,
              Episode.ofStation(Episode.Kind.READINGS_DROPPED, station, now, null, detail),
              null);
        log.warn("{}", detail);
      }
      for (String station : quietStations(c, now))
        alerts.closed(
            c,
            Episode.ofStation(
                Episode.Kind.READINGS_DROPPED,
                station,
                now,
                now,
                "no readings dropped for " + QUIET.toMinutes() + " minutes"));
      c.commit();
    }
  }

  /** How much the counter grew since last seen (0 the first time it is 0, or when it went down). */
  private static long grewBy(Connection c, GatewayFleet.Drops d, Instant now) throws SQLException {
    Long before = null;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT dropped FROM gateway_drops WHERE site = ? AND gateway = ? FOR UPDATE")) {
      ps.setString(1, d.site());
      ps.setString(2, d.gateway());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) before = rs.getLong(1);
      }
    }
    long grew = d.dropped() - (before == null ? 0 : before);
    if (before != null && grew == 0) return 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO gateway_drops (site, gateway, dropped, dropped_by_age, grew_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (site, gateway) DO UPDATE SET"
                + " dropped = EXCLUDED.dropped, dropped_by_age = EXCLUDED.dropped_by_age,"
                + " grew_at = coalesce(EXCLUDED.grew_at, gateway_drops.grew_at)")) {
      ps.setString(1, d.site());
      ps.setString(2, d.gateway());
      ps.setLong(3, d.dropped());
      ps.setLong(4, d.droppedByAge());
      ps.setTimestamp(5, grew > 0 ? Timestamp.from(now) : null);
      ps.executeUpdate();
    }
    return grew;
  }

  private static List<String> stationsOf(Connection c, String site, String gateway)
      throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT st.code FROM stations st JOIN sites s ON s.id = st.site_id"
                + " WHERE s.code = ? AND st.gateway = ? ORDER BY st.code")) {
      ps.setString(1, site);
      ps.setString(2, gateway);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Stations with the alert open whose gateway has dropped nothing for {@link #QUIET}. */
  private static List<String> quietStations(Connection c, Instant now) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT a.station FROM alerts a JOIN stations st ON st.code = a.station"
                + " JOIN sites s ON s.id = st.site_id"
                + " LEFT JOIN gateway_drops g ON g.site = s.code AND g.gateway = st.gateway"
                + " WHERE a.kind = 'readings_dropped' AND a.state <> 'resolved'"
                + " AND (g.grew_at IS NULL OR g.grew_at < ?)")) {
      ps.setTimestamp(1, Timestamp.from(now.minus(QUIET)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(5, TimeUnit.SECONDS);
  }
}

package io.outfall.ingest.registry;

import io.outfall.compliance.permits.Permit;
import io.outfall.compliance.permits.PermitFile;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.background.Daemons;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import javax.sql.DataSource;
import org.postgresql.PGStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each station's sampling plan, from the one place every figure of completeness asks: the
 * registry's plan for the station; where it says nothing, the plan of the permit version in force;
 * where that says nothing, the intervals measured from the station's own valid readings of the last
 * 24 hours ({@link SamplingPlan#measured}); last the five-minute default.
 *
 * <p>The compliance engine (alerts), the overview and the reports all take their plan from here, so
 * a station's completeness is one figure wherever it is shown. Measuring reads the station's latest
 * readings, so the pages keep each plan for {@link #KEEP}; the engine asks afresh when it builds a
 * station's evaluator. Blocking JDBC.
 *
 * <p>Given a database, a plan older than {@link #KEEP} is still answered while one thread measures
 * it again in the background, so that no overview waits for a thousand stations to be measured.
 */
public final class SamplingPlans implements AutoCloseable {
  /** How far back a station's own readings are looked at to measure its intervals. */
  public static final Duration MEASURED_OVER = Duration.ofHours(24);

  /** How long the pages reuse a station's plan. */
  static final Duration KEEP = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(SamplingPlans.class);

  private record Kept(SamplingPlan plan, Instant at) {}

  private final Map<String, Kept> kept = new ConcurrentHashMap<>();
  private final DataSource ds;
  private final ExecutorService refresher;
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

  /** Plans kept for {@link #KEEP}, then measured again by the asking thread. */
  public SamplingPlans() {
    this(null);
  }

  /** Plans kept for {@link #KEEP}, then measured again in the background on {@code ds}. */
  public SamplingPlans(DataSource ds) {
    this.ds = ds;
    this.refresher = ds == null ? null : Daemons.single("outfall-sampling-plans");
  }

  /** The plan of {@code station} at {@code now}, reused for {@link #KEEP}. */
  public SamplingPlan cached(Connection c, String station, Instant now) throws SQLException {
    Kept k = kept.get(station);
    if (k != null && !k.at().isAfter(now)) {
      if (k.at().plus(KEEP).isAfter(now)) return k.plan();
      if (refresher != null) {
        if (refreshing.add(station)) refresher.execute(() -> refresh(station));
        return k.plan();
      }
    }
    SamplingPlan plan = of(c, station, now);
    kept.put(station, new Kept(plan, now));
    return plan;
  }

  /**
   * Finds together the plans of those of {@code stations} none is kept for at {@code now} (as
   * {@link #cached} would one by one), so that an answer about many stations asks the database
   * three times, not three times per station.
   */
  public void prefetch(Connection c, Collection<String> stations, Instant now) throws SQLException {
    List<String> unknown = new ArrayList<>();
    for (String station : stations) {
      Kept k = kept.get(station);
      if (k == null || k.at().isAfter(now)) unknown.add(station);
    }
    if (unknown.isEmpty()) return;
    ofAll(c, unknown, now).forEach((station, plan) -> kept.put(station, new Kept(plan, now)));
  }

  private void refresh(String station) {
    try (Connection c = ds.getConnection()) {
      Instant now = Instant.now();
      kept.put(station, new Kept(of(c, station, now), now));
    } catch (SQLException | RuntimeException e) {
      log.warn("sampling plan of {} not measured again: {}", station, e.toString());
    } finally {
      refreshing.remove(station);
    }
  }

  @Override
  public void close() {
    if (refresher != null) refresher.shutdownNow();
  }

  /** The plan of {@code station} at {@code now}: registry, then permit in force, then measured. */
  public static SamplingPlan of(Connection c, String station, Instant now) throws SQLException {
    return ofAll(c, List.of(station), now).get(station);
  }

  /**
   * The plans of {@code stations} at {@code now}, each as {@link #of} gives it, in three statements
   * for all of them: the first overview after a province's stations appeared asked for a thousand
   * plans one by one, three statements each (8.5 s under a province's live load).
   */
  public static Map<String, SamplingPlan> ofAll(
      Connection c, Collection<String> stations, Instant now) throws SQLException {
    String[] codes = stations.toArray(String[]::new);
    Map<String, SamplingPlan> registered = registered(c, codes);
    Map<String, SamplingPlan> permitted = permitted(c, codes, now);
    Map<String, SamplingPlan> measured = measured(c, codes, now);
    Map<String, SamplingPlan> out = new HashMap<>();
    for (String station : codes)
      out.put(
          station,
          registered
              .getOrDefault(station, SamplingPlan.NONE)
              .orElse(permitted.getOrDefault(station, SamplingPlan.NONE))
              .orElse(measured.getOrDefault(station, SamplingPlan.NONE)));
    return out;
  }

  /** The plans the registry holds for those of {@code stations} it holds one for. */
  private static Map<String, SamplingPlan> registered(Connection c, String[] stations)
      throws SQLException {
    Map<String, SamplingPlan> out = new HashMap<>();
    try (var ps = c.prepareStatement("SELECT code, sampling FROM stations WHERE code = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("text", stations));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.put(
              rs.getString(1),
              SamplingPlan.parseText(
                  rs.getString(2), "registry sampling plan of " + rs.getString(1)));
      }
    }
    return out;
  }

  /**
   * The plans of the permit versions in force at {@code now}, for those of {@code stations} with
   * one.
   */
  private static Map<String, SamplingPlan> permitted(Connection c, String[] stations, Instant now)
      throws SQLException {
    Map<String, SamplingPlan> out = new HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT DISTINCT ON (station) station, document FROM permits"
                + " WHERE station = ANY (?) ORDER BY station, version DESC")) {
      ps.setArray(1, c.createArrayOf("text", stations));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          String station = rs.getString(1);
          List<Permit> versions = PermitFile.parse(rs.getString(2), "permit of " + station);
          int i = PermitSchedule.inForce(versions, now);
          if (i >= 0) out.put(station, versions.get(i).sampling());
        }
      }
    }
    return out;
  }

  /** How many of a parameter's latest valid readings are looked at to measure its interval. */
  static final int MEASURED_READINGS = 100;

  /**
   * The intervals each of {@code stations}' valid (status 00) readings of the last {@link
   * #MEASURED_OVER} show, by parameter, from up to the latest {@value #MEASURED_READINGS} of each
   * (a median of their gaps needs no more, and a thousand stations' whole days took ten seconds to
   * read); parameters with too few readings to tell are left out, and stations with none to tell.
   */
  private static Map<String, SamplingPlan> measured(Connection c, String[] stations, Instant now)
      throws SQLException {
    Map<String, Map<String, Duration>> intervals = new HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT s.code, p.code, array_agg(x.t ORDER BY x.t) FROM stations s"
                + " JOIN parameters p ON p.id IN (SELECT DISTINCT parameter_id FROM readings_daily d"
                + "   WHERE d.station_id = s.id AND d.day >= ?::timestamptz::date - 1)"
                + " CROSS JOIN LATERAL (SELECT (extract(epoch FROM r.ts) * 1000)::bigint AS t"
                + "   FROM readings r WHERE r.station_id = s.id AND r.parameter_id = p.id"
                + "   AND r.ts >= ? AND r.ts < ? AND r.status = 0 ORDER BY r.ts DESC LIMIT "
                + MEASURED_READINGS
                + ") x WHERE s.code = ANY (?) GROUP BY s.code, p.code ORDER BY s.code, p.code")) {
      ps.setTimestamp(1, Timestamp.from(now.minus(MEASURED_OVER)));
      ps.setTimestamp(2, Timestamp.from(now.minus(MEASURED_OVER)));
      ps.setTimestamp(3, Timestamp.from(now));
      ps.setArray(4, c.createArrayOf("text", stations));
      // Binary from the first execution (pgjdbc sends text until a statement has run five times):
      // for a province's first overview the server would format and send 800,000 bigints as text.
      // 1.37-1.61 s against 1.76-1.79 s as text (bench-fleet, docs/performance.md).
      ps.unwrap(PGStatement.class).setPrepareThreshold(-1);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          Array a = rs.getArray(3);
          Long[] boxed = (Long[]) a.getArray();
          long[] times = new long[boxed.length];
          for (int i = 0; i < times.length; i++) times[i] = boxed[i];
          Duration d = SamplingPlan.measured(times);
          if (d != null)
            intervals
                .computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>())
                .put(rs.getString(2), d);
        }
      }
    }
    Map<String, SamplingPlan> out = new HashMap<>();
    intervals.forEach((station, byParameter) -> out.put(station, new SamplingPlan(byParameter)));
    return out;
  }
}

package io.outfall.ingest.alerts;

import io.outfall.compliance.evaluation.ComplianceEvaluator;
import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.EvaluationSettings;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.ingest.intake.HandedBatches;
import io.outfall.ingest.intake.NewReadings;
import io.outfall.ingest.registry.SamplingPlans;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live compliance path: one {@link ComplianceEvaluator} per station with a permit, fed with the
 * readings the writer newly stored, its findings turned into alerts by the {@link AlertStore}.
 *
 * <p>Runs in exactly one ingest instance at a time: a shared subscription gives each instance only
 * part of a station's readings, so evaluating where they arrive would average the wrong values. The
 * instance holding a PostgreSQL advisory lock leads; the others wait to take over. The leader takes
 * off {@code evaluation_batches} (a row left by every writer transaction that stored new readings:
 * its transaction id and key ranges) and commits the alert changes in the same transaction as it
 * deletes the rows, so each stored reading is judged once. The readings of its own instance's
 * batches the writer hands it in memory ({@link #handoff}); those of other instances' it reads back
 * from the readings table.
 *
 * <p>On becoming leader it rebuilds the evaluators from the last hours of stored readings and
 * reconciles the open alerts with what they say. Each evaluator counts completeness by its
 * station's sampling plan ({@link SamplingPlans}); a registry change ({@code NOTIFY
 * outfall_registry}) rebuilds at once, and every station's plan is looked at again within 15
 * minutes, a few stations a second.
 *
 * <p>Late readings: a gateway back from an outage sends live readings first and its backlog behind
 * them, so backlog readings arrive for windows already judged. When a station's late readings stop
 * arriving for the grace period (or every minute during a long drain), the station is judged again
 * from its stored readings: episodes found wholly inside the late data become resolved alerts with
 * their own times (notified), the ones still going on are opened, and the station's evaluator is
 * replaced by the re-judged one. The context replayed before the earliest late reading is {@value
 * #REPLAY_HOURS} hours, as on a rebuild.
 *
 * <p>A re-judgement replays its readings a slice at a time, each slice its own short read-only
 * transaction of about {@code sliceReadings} readings, with the normal judging of every station in
 * between: sixty days of a twelve-parameter station (six million readings) neither hold one
 * transaction open for minutes nor stop the alerts of every other station meanwhile. Only the last
 * slice, which swaps the evaluators and records what was found, writes. A reading stored behind the
 * replay's cursor while it runs is noted as late again, and judged in the next round.
 *
 * <p>Judged in the writer's transaction: while nothing waits in {@code evaluation_batches}, this
 * instance's writer judges a transaction of new readings itself, before it commits, and the alert
 * changes commit with the readings ({@link #handoff}): no second transaction, no wake-up, no batch
 * row. The evaluators are the engine's; whoever judges holds {@link #judging}, the engine for each
 * turn of its loop, the writer from judging to the end of its transaction. So a snapshot the engine
 * takes sees every reading judged so far. A writer transaction that fails after judging leaves the
 * evaluators ahead of storage: the engine rebuilds from storage before it judges anything else.
 */
public final class ComplianceEngine implements AutoCloseable {
  /** What an alert is about: a station's parameter (null for the whole station) and its kind. */
  private record AlertKey(String station, String parameter, String kind) {}

  private static final Logger log = LoggerFactory.getLogger(ComplianceEngine.class);

  /**
   * The PostgreSQL advisory lock whose holder leads ("outfall" in ASCII); operators look for it in
   * {@code pg_locks} (docs/operations.md).
   */
  public static final long LEADER_LOCK = 0x6f757466616c6cL;

  private static final int REPLAY_HOURS = 3;
  private static final Duration REPLAY = Duration.ofHours(REPLAY_HOURS);

  /**
   * The longest stretch of time one slice of a re-judgement reads (it reads few readings anyway).
   */
  private static final Duration MAX_SPAN = Duration.ofDays(7);

  /** During a long backlog drain, a station with late readings is re-judged at most this often. */
  private static final long REJUDGE_EVERY_NANOS = 60_000_000_000L;

  /** How long a round of looking at every station's sampling plan again takes, spread evenly. */
  private static final long PLAN_ROUND_SECONDS = Duration.ofMinutes(15).toSeconds();

  /** Where the round of plan checks has got to. */
  private int planCursor;

  /** How often unacknowledged breaches are escalated and firing alerts re-sent. */
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(30);

  private Instant lastSweep;

  // Alertmanager forgets a firing alert an hour after it was last sent (its endsAt).
  private static final Duration RESEND = Duration.ofMinutes(20);

  private final DataSource ds;
  private final PermitStore permits;
  private final AlertStore alerts;
  private final ParameterCatalog parameters;
  private final ExceedanceBands bands;
  private final EvaluationSettings settings;
  private final Duration escalateAfter;
  private final Runnable onCommit;
  private final ComplianceMetrics metrics;
  private final int sliceReadings;
  private final Thread thread;
  private final Map<String, Evaluated> stations = new HashMap<>();

  /**
   * Held by whoever judges (the evaluators, {@link #changes}, the late stations are not
   * thread-safe): the engine for each turn of its loop, this instance's writer while it judges in
   * its transaction.
   */
  private final ReentrantLock judging = new ReentrantLock();

  /**
   * The evaluators judged readings whose transaction did not commit (or may not have): rebuild
   * before judging anything else. Guarded by {@link #judging}.
   */
  private boolean stale;

  /**
   * What the writer judged in the transaction it holds {@link #judging} for: readings, alert
   * changes.
   */
  private int judgedInWrite;

  private int writtenInWrite;
  private long judgingSince;

  /** What the evaluators found in the transaction in progress, written before it commits. */
  private final AlertChanges changes = new AlertChanges();

  private final Map<Integer, String> stationCodes = new HashMap<>();
  private final Map<String, Integer> stationIds = new HashMap<>();
  // When (System.nanoTime) the engine last judged a reading of each station.
  private final Map<String, Long> lastArrival = new HashMap<>();
  private volatile boolean running = true;
  private volatile boolean leader;
  private long lateReported;

  /** Stations with late readings not yet re-judged. */
  private final Map<String, Late> lateStations = new HashMap<>();

  /**
   * A station's late readings so far: the earliest one's time (epoch ms), and when the first and
   * the last of them arrived (nanoTime).
   */
  private static final class Late {
    long fromMs;
    final long firstNanos;
    long lastNanos;

    Late(long fromMs, long arrivedNanos) {
      this.fromMs = fromMs;
      this.firstNanos = arrivedNanos;
      this.lastNanos = arrivedNanos;
    }

    void add(long ms, long arrivedNanos) {
      fromMs = Math.min(fromMs, ms);
      lastNanos = arrivedNanos;
    }
  }

  /** The station being judged again, if any: one at a time, a slice per turn of the loop. */
  private Rejudge rejudging;

  /**
   * The last look at the late stations started one: once it is done, look again at once rather than
   * at the next tick (after a province-wide outage a thousand stations wait their turn).
   */
  private boolean lateDue;

  /**
   * A re-judgement in progress: a new evaluator fed from storage up to {@code cursor}, while the
   * station's old evaluator keeps judging what arrives live until the two are swapped.
   */
  private final class Rejudge {
    final String station;
    final int stationId;
    final Instant lateFrom;
    final String why;
    final Evaluated old;
    final Sink sink = new Sink(true);
    final ComplianceEvaluator evaluator;
    final long started = System.nanoTime();
    Instant cursor;
    Duration span = Duration.ofHours(1);
    long replayed;
    int slices;

    /** The earliest reading stored behind the cursor since the replay began (epoch ms). */
    long missedFromMs = Long.MAX_VALUE;

    Rejudge(
        String station,
        int stationId,
        Instant lateFrom,
        Instant replayFrom,
        SamplingPlan plan,
        String why) {
      this.station = station;
      this.stationId = stationId;
      this.lateFrom = lateFrom;
      this.why = why;
      this.old = stations.get(station);
      this.evaluator = new ComplianceEvaluator(old.schedule(), bands, settings, plan, sink);
      this.cursor = replayFrom;
    }
  }

  /** A station's evaluator and the permit version it was built from. */
  private record Evaluated(
      int permitVersion, PermitSchedule schedule, ComplianceEvaluator evaluator, Sink sink) {}

  public ComplianceEngine(
      DataSource ds,
      PermitStore permits,
      AlertStore alerts,
      ParameterCatalog parameters,
      ExceedanceBands bands,
      EvaluationSettings settings,
      Duration escalateAfter,
      ComplianceMetrics metrics,
      int sliceReadings,
      Runnable onCommit) {
    this.metrics = metrics;
    this.sliceReadings = sliceReadings;
    this.ds = ds;
    this.permits = permits;
    this.alerts = alerts;
    this.parameters = parameters;
    this.bands = bands;
    this.settings = settings;
    this.escalateAfter = escalateAfter;
    this.onCommit = onCommit;
    this.thread = new Thread(this::run, "outfall-compliance");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  public boolean leader() {
    return leader;
  }

  private void run() {
    while (running) {
      try (Connection lock = ds.getConnection()) {
        if (!tryLock(lock)) {
          sleep(5_000);
          continue;
        }
        log.info("compliance engine: leading");
        try (var st = lock.createStatement()) {
          st.execute("LISTEN outfall_evaluation");
          st.execute("LISTEN outfall_permits");
          st.execute("LISTEN outfall_registry"); // a station's sampling plan changed
        }
        judging.lock();
        try {
          rebuild();
          leader = true; // the writer may judge from now on
        } finally {
          judging.unlock();
        }
        long lastTick = 0;
        long lastPermitCheck = System.nanoTime();
        while (running) {
          // NOTIFY or 1 s; while a station is judged again, its next slice is due at once
          var notes =
              lock.unwrap(PGConnection.class)
                  .getNotifications(rejudging == null && !lateDue ? 1_000 : 1);
          boolean permitNews =
              notes != null
                  && Arrays.stream(notes).anyMatch(n -> n.getName().equals("outfall_permits"));
          boolean registryNews =
              notes != null
                  && Arrays.stream(notes).anyMatch(n -> n.getName().equals("outfall_registry"));
          judging.lock();
          try {
            if (stale) rebuild();
            drain();
            if (registryNews) rebuild();
            if (rejudging != null) continueRejudge();
            else if (lateDue) rejudgeLate();
            if (System.nanoTime() - lastTick > 1_000_000_000L) {
              tick(Instant.now());
              rejudgeLate();
              checkPlans();
              lastTick = System.nanoTime();
            }
            if (permitNews || System.nanoTime() - lastPermitCheck > 10_000_000_000L) {
              if (permitsChanged()) rebuild();
              lastPermitCheck = System.nanoTime();
            }
          } finally {
            judging.unlock();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("compliance engine: {}; starting over", e.toString());
          sleep(2_000);
        }
      } finally {
        judging.lock();
        try {
          leader = false;
          changes.discard();
          handed.clear();
          stations.clear();
          rejudging = null; // its evaluation_late row stays: the next leader starts it again
        } finally {
          judging.unlock();
        }
      }
    }
  }

  private static boolean tryLock(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT pg_try_advisory_lock(" + LEADER_LOCK + ")")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** Builds every evaluator from recent history and makes the open alerts agree with it. */
  private void rebuild() throws SQLException {
    stale = false; // whatever the writer judged and did not commit, the replay below does not see
    changes.discard(); // from a transaction that failed: the replay below finds them again
    stations.clear();
    rejudging = null; // evaluation_late still names it: loadLate below makes it due again
    lastArrival.clear();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      // One snapshot for the replay and for deleting the batches waiting to be judged: what is
      // replayed is exactly what they held, and batches stored meanwhile wait for the normal path.
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      loadStationCodes(c);
      var current = permits.currentAll(c);
      // every station's plan in three statements, not three per station
      Map<String, SamplingPlan> plans = SamplingPlans.ofAll(c, current.keySet(), Instant.now());
      for (var e : current.entrySet()) {
        Sink sink = new Sink(true);
        PermitSchedule schedule = permits.schedule(e.getValue());
        stations.put(
            e.getKey(),
            new Evaluated(
                e.getValue().version(),
                schedule,
                new ComplianceEvaluator(schedule, bands, settings, plans.get(e.getKey()), sink),
                sink));
      }
      Instant from = Instant.now().minus(REPLAY);
      // Readings stored but not judged yet (a backlog being drained when the last leader stopped,
      // or batches waiting when a permit changed) are judged again from where they start, not
      // dropped with their batches: the replay below is silent, so an episode that began and
      // ended inside them would otherwise never become an alert; a re-judgement records it.
      try (var st = c.createStatement()) {
        st.executeUpdate(
            "INSERT INTO evaluation_late (station, from_ts) SELECT s.code, min(k.lo)"
                + " FROM evaluation_batches b CROSS JOIN LATERAL unnest(b.station_ids, b.first_ts)"
                + " AS k(station_id, lo) JOIN stations s ON s.id = k.station_id"
                + " GROUP BY s.code ON CONFLICT (station) DO UPDATE SET from_ts ="
                + " least(evaluation_late.from_ts, excluded.from_ts), updated_at = now()");
      }
      try (var st = c.createStatement()) {
        st.executeUpdate("DELETE FROM evaluation_batches");
      }
      handed.clear(); // judged by the replay below, or (committed since) read back
      long replayed = 0;
      for (var e : stations.entrySet()) {
        Integer id = stationIds.get(e.getKey()); // loaded above, in this snapshot
        if (id != null) replayed += replay(c, e.getKey(), id, e.getValue().evaluator(), from);
        e.getValue().evaluator().advanceTo(Instant.now());
      }
      int open = reconcile(c);
      int waiting = loadLate(c);
      c.commit();
      metrics.rebuilt();
      metrics.lateStations(lateStations.size());
      for (Evaluated ev : stations.values()) {
        ev.sink().replayed();
      }
      log.info(
          "compliance engine: {} stations with permits, {} readings replayed, {} episodes going on,"
              + " {} stations with late readings to judge again",
          stations.size(),
          replayed,
          open,
          waiting);
    }
    onCommit.run();
  }

  /** Feeds {@code station}'s readings from {@code from} on, in time order, to its evaluator. */
  private long replay(
      Connection c, String station, int stationId, ComplianceEvaluator evaluator, Instant from)
      throws SQLException {
    return stored(c, station, stationId, from, null, 0, r -> feed(evaluator, r));
  }

  /**
   * A station's stored readings from {@code from} up to {@code to} (null: all), in time order, at
   * most {@code limit} of them (0: all); answers how many.
   */
  private long stored(
      Connection c,
      String station,
      int stationId,
      Instant from,
      Instant to,
      int limit,
      Consumer<Reading> into)
      throws SQLException {
    long n = 0;
    try (var ps =
        c.prepareStatement(
            "SELECT parameter_id, (extract(epoch FROM ts) * 1000)::bigint, value, status FROM readings"
                + " WHERE station_id = ? AND ts >= ?"
                + (to == null ? "" : " AND ts < ?")
                + " ORDER BY ts"
                + (limit > 0 ? " LIMIT " + limit : ""))) {
      ps.setInt(1, stationId);
      ps.setTimestamp(2, Timestamp.from(from));
      if (to != null) ps.setTimestamp(3, Timestamp.from(to));
      ps.setFetchSize(10_000);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          into.accept(
              reading(station, rs.getShort(1), rs.getLong(2), rs.getDouble(3), rs.getShort(4)));
          n++;
        }
      }
    }
    return n;
  }

  /** Records, in the draining transaction, from when each station has late readings to judge. */
  private static void noteLate(Connection c, Map<String, Long> lateFrom) throws SQLException {
    if (lateFrom.isEmpty()) return;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO evaluation_late (station, from_ts) VALUES (?, ?) ON CONFLICT (station)"
                + " DO UPDATE SET from_ts = least(evaluation_late.from_ts, excluded.from_ts),"
                + " updated_at = now()")) {
      for (var e : lateFrom.entrySet()) {
        ps.setString(1, e.getKey());
        ps.setTimestamp(2, new Timestamp(e.getValue()));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * The late readings a previous leader (or this one before a restart) had not judged again yet:
   * due at once, since nothing more of them is arriving here.
   */
  private int loadLate(Connection c) throws SQLException {
    long due = System.nanoTime() - settings.windowGrace().toNanos() - REJUDGE_EVERY_NANOS;
    int n = 0;
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT station, (extract(epoch FROM from_ts) * 1000)::bigint FROM evaluation_late")) {
      while (rs.next()) {
        if (!stations.containsKey(rs.getString(1))) continue; // no permit now: nothing to judge
        lateStations.put(rs.getString(1), new Late(rs.getLong(2), due));
        n++;
      }
    }
    return n;
  }

  /** Starts judging again a station whose late readings have stopped coming (or every minute). */
  private void rejudgeLate() throws SQLException {
    if (rejudging != null) return;
    lateDue = false;
    long now = System.nanoTime();
    for (var e : List.copyOf(lateStations.entrySet())) {
      Late l = e.getValue();
      boolean quiet = now - l.lastNanos >= settings.windowGrace().toNanos();
      if (!quiet && now - l.firstNanos < REJUDGE_EVERY_NANOS) continue;
      lateStations.remove(e.getKey());
      if (!stations.containsKey(e.getKey())) continue;
      lateDue = true;
      startRejudge(
          e.getKey(),
          Instant.ofEpochMilli(l.fromMs),
          stations.get(e.getKey()).evaluator().plan(),
          "judged again with late readings");
      return;
    }
  }

  /**
   * Begins judging {@code station} again from {@code lateFromTime} (less the replayed context),
   * counting completeness by {@code plan}; {@code why} for the record. Readings stored and not
   * judged yet were judged just before by the loop's drain; one stored since and behind the cursor
   * when it is judged is noted as late again.
   */
  private void startRejudge(String station, Instant lateFromTime, SamplingPlan plan, String why)
      throws SQLException {
    Integer id;
    try (Connection c = ds.getConnection()) {
      id = stationId(c, station);
    }
    if (id == null) return; // a permit for a station that never reported: nothing stored
    rejudging = new Rejudge(station, id, lateFromTime, lateFromTime.minus(REPLAY), plan, why);
    continueRejudge();
  }

  /**
   * Replays the next slice of the station being judged again, in its own read-only transaction: at
   * most {@code sliceReadings} readings, the next span aimed at that many. Once the cursor is
   * within a span of now, finishes.
   */
  private void continueRejudge() throws SQLException {
    Rejudge r = rejudging;
    if (!r.cursor.plus(r.span).isBefore(Instant.now())) {
      finishRejudge(r);
      return;
    }
    Instant to = r.cursor.plus(r.span);
    long started = System.nanoTime();
    List<Reading> slice = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false); // a cursor, not the whole slice in memory at once
      stored(c, r.station, r.stationId, r.cursor, to, sliceReadings + 1, slice::add);
      c.commit();
    }
    Instant next = to;
    if (slice.size() > sliceReadings) {
      // Full: stop before the last instant, whose other parameters may lie beyond the limit.
      long last = slice.get(slice.size() - 1).timestampMs();
      List<Reading> whole = slice.stream().filter(x -> x.timestampMs() < last).toList();
      slice = whole.isEmpty() ? slice : whole;
      next = Instant.ofEpochMilli(whole.isEmpty() ? last + 1 : last);
    }
    for (Reading reading : slice) feed(r.evaluator, reading);
    metrics.rejudgeSlice(slice.size(), System.nanoTime() - started);
    r.replayed += slice.size();
    r.slices++;
    long covered = Math.max(1_000, next.toEpochMilli() - r.cursor.toEpochMilli());
    double scale =
        slice.isEmpty() ? 4 : Math.max(0.25, Math.min(4, sliceReadings / (double) slice.size()));
    r.span = Duration.ofMillis(Math.min(MAX_SPAN.toMillis(), (long) (covered * scale)));
    r.cursor = next;
  }

  /**
   * The last slice, in one snapshot with the batches waiting: replays what is left, swaps the
   * evaluators, records the episodes found in the late readings, makes the open alerts agree.
   * Readings stored behind the cursor meanwhile are noted late again rather than lost.
   */
  private void finishRejudge(Rejudge r) throws SQLException {
    rejudging = null;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      long started = System.nanoTime();
      // every batch this snapshot sees: the station's readings from the cursor on are in the tail
      // replayed below; those behind it came while the slices ran
      while (judgeBatches(c, r) >= DRAIN_READINGS) {
        // a long wait: take all
      }
      long tail = replay(c, r.station, r.stationId, r.evaluator, r.cursor);
      r.replayed += tail;
      r.evaluator.advanceTo(clock(r.station, r.evaluator, Instant.now()));
      int recorded = 0;
      for (Sink.Past p : r.sink.closedInReplay) {
        Episode e = p.episode();
        if (!e.end().isBefore(r.lateFrom)
            && alerts.recordPast(c, e, standardAt(r.old.schedule(), e.start()), p.window()) != null)
          recorded++;
      }
      stations.put(
          r.station, new Evaluated(r.old.permitVersion(), r.old.schedule(), r.evaluator, r.sink));
      reconcile(c, r.station, "no longer the case when " + r.why);
      lateStations.remove(r.station);
      if (r.missedFromMs == Long.MAX_VALUE) {
        try (var ps = c.prepareStatement("DELETE FROM evaluation_late WHERE station = ?")) {
          ps.setString(1, r.station);
          ps.executeUpdate();
        }
      } else {
        try (var ps =
            c.prepareStatement(
                "INSERT INTO evaluation_late (station, from_ts) VALUES (?, ?) ON CONFLICT (station)"
                    + " DO UPDATE SET from_ts = excluded.from_ts, updated_at = now()")) {
          ps.setString(1, r.station);
          ps.setTimestamp(2, new Timestamp(r.missedFromMs));
          ps.executeUpdate();
        }
        lateStations.put(r.station, new Late(r.missedFromMs, System.nanoTime()));
      }
      c.commit();
      metrics.rejudgeSlice(tail, System.nanoTime() - started);
      metrics.rejudged(r.replayed, System.nanoTime() - r.started);
      metrics.lateStations(lateStations.size());
      log.info(
          "compliance engine: {} {} from {} ({} readings replayed in {} slices, {} episodes found"
              + " in them{})",
          r.station,
          r.why,
          r.lateFrom,
          r.replayed,
          r.slices + 1,
          recorded,
          r.missedFromMs == Long.MAX_VALUE ? "" : "; readings stored meanwhile are judged next");
    } catch (SQLException | RuntimeException e) {
      stations.put(r.station, r.old);
      throw e;
    }
    r.sink.replayed();
    onCommit.run();
  }

  /** After a replay: open what the evaluators say is going on, resolve what no longer is. */
  private int reconcile(Connection c) throws SQLException {
    return reconcile(c, null, "no longer the case after restart");
  }

  /** {@link #reconcile(Connection)} for one station, or for all when {@code only} is null. */
  private int reconcile(Connection c, String only, String why) throws SQLException {
    Set<AlertKey> going = new HashSet<>();
    List<AlertStore.Opening> openings = new ArrayList<>();
    for (var e : stations.entrySet()) {
      if (only != null && !only.equals(e.getKey())) continue;
      Evaluated ev = e.getValue();
      for (Episode ep : ev.evaluator().openEpisodes()) {
        // a breach going on carries its latest window, as one opened live does
        openings.add(
            new AlertStore.Opening(
                ep, standardAt(ev.schedule(), ep.start()), ev.sink().windowOf(ep)));
        going.add(new AlertKey(ep.station(), ep.parameter(), ep.kind().label()));
      }
    }
    alerts.openAll(c, openings);
    List<AlertKey> stale = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT station, parameter, kind FROM alerts WHERE state <> 'resolved'")) {
      while (rs.next()) {
        AlertKey open = new AlertKey(rs.getString(1), rs.getString(2), rs.getString(3));
        if (!Episode.Kind.valueOf(open.kind().toUpperCase(Locale.ROOT)).evaluated)
          continue; // another part of the server raised it and ends it
        if (stations.containsKey(open.station())
            && (only == null || only.equals(open.station()))
            && !going.contains(open)) stale.add(open);
      }
    }
    for (AlertKey a : stale) {
      Episode.Kind kind = Episode.Kind.valueOf(a.kind().toUpperCase(Locale.ROOT));
      alerts.closed(
          c,
          new Episode(
              kind, a.station(), a.parameter(), Instant.now(), Instant.now(), null, null, why));
    }
    return going.size();
  }

  /** Readings judged per transaction, about (whole batches: at least one). */
  private static final int DRAIN_READINGS = 10_000;

  /**
   * The oldest batches waiting, about {@value #DRAIN_READINGS} readings of them (at least one). Ids
   * up to a running sum rather than "the first n": a plan for that kind of query, cached while the
   * old queue was nearly empty, once ran its LIMIT subquery again for every row (drains of 8 to 43
   * s, docs/performance.md).
   */
  private static final String PENDING_BATCHES =
      "SELECT array_agg(id ORDER BY id) FROM (SELECT id, sum(readings) OVER (ORDER BY id)"
          + " - readings AS before FROM evaluation_batches ORDER BY id LIMIT 1000) f WHERE before < "
          + DRAIN_READINGS;

  /**
   * Deletes the batches (the first array) and answers the readings of those not handed over in
   * memory (the second array names those), read back ({@link NewReadings#readBack}).
   */
  private static final String TAKE_BATCHES =
      "WITH b AS (DELETE FROM evaluation_batches WHERE id = ANY (?)"
          + " RETURNING id, xid, station_ids, parameter_ids, first_ts, last_ts)"
          + " SELECT r.station_id, r.parameter_id, (extract(epoch FROM r.ts) * 1000)::bigint,"
          + " r.value, r.status FROM "
          + NewReadings.readBack("b")
          + " WHERE b.id <> ALL (?)";

  /**
   * Readings this instance's writer handed over by evaluation batch id, not judged yet; at most
   * 100,000 (beyond, the engine reads them back).
   */
  private final HandedBatches<NewReadings> handed = new HandedBatches<>(100_000);

  /**
   * The most readings a writer transaction judges itself: beyond, a backlog is being stored, and
   * the engine judges it from the queue rather than hold the writer's commit.
   */
  private static final int JUDGE_IN_WRITE_MAX = 5_000;

  /**
   * How long a writer transaction waits for the engine's turn to end before it leaves its readings
   * in the queue instead: most turns take a few milliseconds, a rebuild or a re-judgement's slice
   * much longer.
   */
  private static final long JUDGE_IN_WRITE_WAIT_MS = 20;

  /**
   * What this instance's writer hands over before each commit, taken while this engine leads: its
   * readings in memory for the batches it leaves, or, while nothing waits, the judging itself.
   */
  public NewReadings.Handoff handoff() {
    return new NewReadings.Handoff() {
      @Override
      public boolean wanted() {
        return leader && handed.hasRoom();
      }

      @Override
      public void offer(long batchId, NewReadings readings) {
        handed.put(batchId, readings, readings.size());
      }

      @Override
      public void withdraw(long batchId) {
        handed.take(batchId);
      }

      @Override
      public boolean judgeHere(int readings) {
        // an engine waiting for its turn (a tick, a rebuild) goes first: the writer would
        // otherwise barge in every time
        if (readings > JUDGE_IN_WRITE_MAX || !leader || judging.hasQueuedThreads()) return false;
        try {
          if (!judging.tryLock(JUDGE_IN_WRITE_WAIT_MS, TimeUnit.MILLISECONDS)) return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        if (leader && !stale) {
          judgingSince = System.nanoTime();
          return true;
        }
        judging.unlock();
        return false;
      }

      @Override
      public void judge(Connection c, NewReadings readings) {
        if (!judging.isHeldByCurrentThread()) throw new IllegalStateException("judgeHere first");
        judgedInWrite = readings.size();
        try {
          List<Reading> toJudge = new ArrayList<>(readings.size());
          judged(c, toJudge, readings);
          writtenInWrite = judgeInOrder(c, toJudge, null);
        } catch (SQLException | RuntimeException e) {
          throw new NewReadings.JudgingFailed(e);
        }
      }

      @Override
      public void release(boolean committed) {
        try {
          if (judgedInWrite > 0) {
            if (committed) {
              metrics.judgedInWrite(judgedInWrite, System.nanoTime() - judgingSince);
              if (writtenInWrite > 0) onCommit.run();
            } else {
              stale = true; // the evaluators are ahead of storage
              log.warn(
                  "compliance engine: {} readings judged in a writer transaction that did not"
                      + " commit; rebuilding from storage",
                  judgedInWrite);
            }
          }
        } finally {
          judgedInWrite = 0;
          writtenInWrite = 0;
          judging.unlock();
        }
      }
    };
  }

  /** Judges what the writers stored since the last drain, in one transaction per take. */
  private void drain() throws SQLException {
    int taken;
    do {
      taken = 0;
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        taken = judgeBatches(c, null);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        if (!running) return; // shutting down: the interrupted statement is not a failure
        // The evaluators moved on but the transaction did not: start again from storage.
        log.warn("compliance engine: batch failed ({}); rebuilding", e.toString());
        rebuild();
        return;
      }
      if (taken > 0) onCommit.run();
    } while (taken >= DRAIN_READINGS);
  }

  /**
   * Takes batches off and judges their readings in {@code c}'s transaction; answers how many
   * readings were taken. With {@code finishing}, the station judged again is left out: its readings
   * from the cursor on are replayed by the re-judgement, those before it are noted as missed.
   */
  private int judgeBatches(Connection c, Rejudge finishing) throws SQLException {
    long started = System.nanoTime();
    Long[] ids;
    try (var st = c.createStatement();
        var rs = st.executeQuery(PENDING_BATCHES)) {
      rs.next();
      Array a = rs.getArray(1);
      if (a == null) return 0;
      ids = (Long[]) a.getArray();
    }
    int taken = 0;
    int readBack = 0;
    List<Reading> readings = new ArrayList<>();
    List<Long> inMemory = new ArrayList<>();
    for (Long id : ids) {
      NewReadings n = handed.take(id); // taken now: a failed take reads them back next time
      if (n == null) continue;
      inMemory.add(id);
      taken += n.size();
      judged(c, readings, n);
    }
    try (var ps = c.prepareStatement(TAKE_BATCHES)) {
      ps.setArray(1, c.createArrayOf("int8", ids));
      ps.setArray(2, c.createArrayOf("int8", inMemory.toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          taken++;
          readBack++;
          judged(
              c,
              readings,
              rs.getInt(1),
              rs.getShort(2),
              rs.getLong(3),
              rs.getDouble(4),
              rs.getShort(5));
        }
      }
    }
    judgeInOrder(c, readings, finishing);
    if (taken > 0) metrics.drained(taken, readBack, System.nanoTime() - started);
    return taken;
  }

  /**
   * Judges {@code readings} (newly stored, of stations with permits) in time order and writes what
   * they change in {@code c}'s transaction; answers the number of alert changes written. With
   * {@code finishing}, as {@link #judgeBatches}.
   */
  private int judgeInOrder(Connection c, List<Reading> readings, Rejudge finishing)
      throws SQLException {
    readings.sort(Comparator.comparingLong(Reading::timestampMs));
    Long arrived = System.nanoTime(); // boxed once, not once a reading
    Map<String, Long> lateFrom = new HashMap<>();
    Rejudge j = finishing != null ? finishing : rejudging;
    for (Reading r : readings) {
      boolean behind =
          j != null && j.station.equals(r.station()) && r.timestampMs() < j.cursor.toEpochMilli();
      if (behind) j.missedFromMs = Math.min(j.missedFromMs, r.timestampMs());
      if (finishing != null && finishing.station.equals(r.station())) continue;
      Evaluated ev = stations.get(r.station());
      long lateBefore = ev.evaluator().lateReadings();
      feed(ev.evaluator(), r);
      lastArrival.put(r.station(), arrived);
      if (ev.evaluator().lateReadings() > lateBefore) {
        Late l = lateStations.get(r.station());
        if (l == null) lateStations.put(r.station(), new Late(r.timestampMs(), arrived));
        else l.add(r.timestampMs(), arrived);
        lateFrom.merge(r.station(), r.timestampMs(), Math::min);
      }
    }
    int written = changes.write(c, alerts);
    noteLate(c, lateFrom);
    if (!lateFrom.isEmpty()) metrics.lateStations(lateStations.size());
    return written;
  }

  /** Adds those of {@code n} whose station has a permit to {@code into}. */
  private void judged(Connection c, List<Reading> into, NewReadings n) throws SQLException {
    for (int i = 0; i < n.size(); i++)
      judged(
          c,
          into,
          n.stationIds()[i],
          n.parameterIds()[i],
          n.timestampsMs()[i],
          n.values()[i],
          n.statuses()[i]);
  }

  /** Adds a stored reading to {@code into} if its station has a permit (else nothing judges it). */
  private void judged(
      Connection c,
      List<Reading> into,
      int stationId,
      short parameterId,
      long ms,
      double value,
      short status)
      throws SQLException {
    String station = stationCode(c, stationId);
    if (stations.containsKey(station)) into.add(reading(station, parameterId, ms, value, status));
  }

  /** Closes windows that are due, notices quiet stations, escalates unacknowledged breaches. */
  private void tick(Instant now) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      for (var e : stations.entrySet()) {
        Evaluated ev = e.getValue();
        ev.evaluator().advanceTo(clock(e.getKey(), ev.evaluator(), now));
      }
      int queued = changes.write(c, alerts);
      // Escalation counts in minutes and Alertmanager forgets in an hour: two queries over the
      // alerts every 30 s are plenty, and the judging loop stays short.
      if (lastSweep == null || !now.isBefore(lastSweep.plus(SWEEP_EVERY))) {
        queued += alerts.escalate(c, escalateAfter) + alerts.resendFiring(c, RESEND);
        lastSweep = now;
      }
      c.commit();
      if (queued > 0) onCommit.run();
    }
    long late = stations.values().stream().mapToLong(e -> e.evaluator().lateReadings()).sum();
    if (late > lateReported) {
      log.warn(
          "compliance engine: {} readings arrived after their window was judged (see outfall check)",
          late - lateReported);
      lateReported = late;
    }
  }

  /**
   * The time a station is judged at. While its readings are arriving it is the station's own time
   * (its latest reading): a gateway sending a backlog hours old closes its windows as the backlog
   * goes, where the wall clock would close them all before the backlog arrived and count every
   * backlog reading as late. Once nothing has arrived for the grace period, the wall clock takes
   * over, which is how a station that went quiet gets its windows judged and is noticed as stale.
   */
  private Instant clock(String station, ComplianceEvaluator evaluator, Instant now) {
    Long arrived = lastArrival.get(station);
    Instant seen = evaluator.lastSeen();
    if (arrived == null
        || seen == null
        || System.nanoTime() - arrived >= settings.windowGrace().toNanos()) return now;
    return seen.isAfter(now) ? now : seen;
  }

  private boolean permitsChanged() throws SQLException {
    try (Connection c = ds.getConnection()) {
      var current = permits.currentAll(c);
      if (current.size() != stations.size()) return true;
      for (var e : current.entrySet()) {
        Evaluated ev = stations.get(e.getKey());
        if (ev == null || ev.permitVersion() != e.getValue().version()) return true;
      }
      return false;
    }
  }

  /**
   * Looks at the next few stations' sampling plans again (all of them every {@value
   * #PLAN_ROUND_SECONDS} s, a few each second, so a thousand stations never stall the loop): a plan
   * measured from a station's own readings is empty on its first day, and an analyzer may change
   * cycle. A station whose plan changed is judged again from the last hours under the new plan.
   * Registry changes do not wait for this: they are announced ({@code outfall_registry}).
   */
  private void checkPlans() throws SQLException {
    if (stations.isEmpty() || rejudging != null) return;
    List<String> codes = new ArrayList<>(stations.keySet());
    codes.sort(null);
    int perSecond = (int) Math.max(1, (codes.size() + PLAN_ROUND_SECONDS - 1) / PLAN_ROUND_SECONDS);
    Instant now = Instant.now();
    String station = null;
    SamplingPlan plan = null;
    try (Connection c = ds.getConnection()) {
      for (int i = 0; i < perSecond && i < codes.size() && station == null; i++) {
        String next = codes.get(planCursor++ % codes.size());
        SamplingPlan p = SamplingPlans.of(c, next, now);
        if (!countsAlike(p, stations.get(next).evaluator().plan())) {
          station = next; // one re-judgement at a time
          plan = p;
        }
      }
    }
    if (station == null) return;
    log.info("compliance engine: sampling plan of {} is now {}", station, plan.toText());
    // late readings waiting for this station are judged in the same go
    Late pending = lateStations.remove(station);
    Instant from =
        pending == null ? now : Instant.ofEpochMilli(Math.min(pending.fromMs, now.toEpochMilli()));
    startRejudge(station, from, plan, "judged again under its new sampling plan");
  }

  /**
   * Whether two plans judge a station alike: the same completeness slot and the same staleness for
   * every parameter either names (a 1-second and a 4-minute interval are both counted in 5-minute
   * slots and both stale after the setting's 30 minutes).
   */
  private boolean countsAlike(SamplingPlan a, SamplingPlan b) {
    Set<String> keys = new HashSet<>(a.intervals().keySet());
    keys.addAll(b.intervals().keySet());
    keys.add("*");
    for (String k : keys) {
      if (!a.slot(k).equals(b.slot(k))) return false;
      List<String> one = List.of(k);
      Duration floor = settings.staleAfter();
      if (!a.staleAfter(floor, one).equals(b.staleAfter(floor, one))) return false;
    }
    return true;
  }

  private void feed(ComplianceEvaluator evaluator, Reading r) {
    try {
      evaluator.accept(r);
    } catch (RuntimeException e) {
      log.error("compliance engine: reading {} not judged: {}", r, e.toString());
    }
  }

  private Reading reading(String station, short parameterId, long ms, double value, short status) {
    ParameterCatalog.Parameter p = parameters.byId(parameterId);
    return new Reading(station, p.code(), ms, value, p.unit(), DeviceStatus.ofOrdinalCode(status));
  }

  private void loadStationCodes(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT id, code FROM stations")) {
      while (rs.next()) {
        stationCodes.put(rs.getInt(1), rs.getString(2));
        stationIds.put(rs.getString(2), rs.getInt(1));
      }
    }
  }

  /** The storage id of {@code code}, or null for a station that never reported. */
  private Integer stationId(Connection c, String code) throws SQLException {
    Integer id = stationIds.get(code);
    if (id == null) {
      loadStationCodes(c);
      id = stationIds.get(code);
    }
    return id;
  }

  private String stationCode(Connection c, int id) throws SQLException {
    String code = stationCodes.get(id);
    if (code == null) {
      loadStationCodes(c);
      code = stationCodes.get(id);
    }
    return code;
  }

  private static String standardAt(PermitSchedule schedule, Instant t) {
    EffectiveLimits l = schedule.at(t);
    return l == null ? null : l.standard().name() + " column " + l.column();
  }

  /**
   * Passes the evaluator's findings to the store: kept in {@link #changes} and written just before
   * the engine's current transaction commits.
   */
  private final class Sink implements ComplianceEvaluator.Listener {
    volatile boolean replaying;

    /**
     * An episode that ended during a replay, and for a breach its latest breaching window (or
     * null).
     */
    record Past(Episode episode, WindowResult window) {}

    /** Episodes that ended during a replay: a re-judge records the ones in late readings. */
    final List<Past> closedInReplay = new ArrayList<>();

    /** The latest breaching window of each parameter during a replay (reconcile). */
    final Map<String, WindowResult> breachInReplay = new HashMap<>();

    Sink(boolean replaying) {
      this.replaying = replaying;
    }

    @Override
    public void window(WindowResult result) {
      if (result.verdict() != WindowResult.Verdict.BREACH) return;
      if (replaying) breachInReplay.put(result.parameter(), result);
      else changes.breachWindow(result);
    }

    /** For a breach, its latest breaching window in the replay so far; else null. */
    WindowResult windowOf(Episode e) {
      return e.kind() == Episode.Kind.BREACH ? breachInReplay.get(e.parameter()) : null;
    }

    /** The replay is over: findings go to the store from now on. */
    void replayed() {
      replaying = false;
      closedInReplay.clear();
      breachInReplay.clear();
    }

    @Override
    public void opened(Episode e) {
      if (replaying) return; // reconciled once the replay is done
      Evaluated ev = stations.get(e.station());
      changes.opened(e, ev == null ? null : standardAt(ev.schedule(), e.start()));
    }

    @Override
    public void closed(Episode e) {
      if (replaying) {
        closedInReplay.add(new Past(e, windowOf(e)));
        return;
      }
      changes.closed(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}

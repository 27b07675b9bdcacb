package io.outfall.ingest.intake;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.protocol.RejectReason;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: one thread that takes validated messages from a bounded queue and stores many of
 * them per transaction — a binary COPY straight into readings, one statement recording what the
 * transaction stored for those who follow it ({@link StoredBatch}), dead letters for whatever was
 * refused — and only after the commit acknowledges the messages to the broker. The COPY begins with
 * the transaction's first message and takes each further one as it arrives, so the server stores
 * the early messages of a burst while the late ones are still coming. A crash anywhere before the
 * commit means redelivery; a redelivered message inserts nothing new: its copy fails on the stored
 * rows with a unique violation, and the transaction is written again through a staging table with
 * ON CONFLICT DO NOTHING, which every transaction then uses for a while.
 *
 * <p>Why a plain thread and not the event loop: JDBC and COPY block. Why one thread: a single
 * writer with large transactions is faster than several small ones on the same database, and keeps
 * the commit order simple; run more ingest instances to scale out.
 *
 * <p>When the database is unreachable the writer keeps the same transaction and retries with
 * backoff; the queue fills, and the MQTT receive maximum stops the broker from sending more: memory
 * stays bounded and the backlog waits in the broker. A transaction the database refuses for its
 * content (not its availability) is split message by message, and a message it still refuses is
 * parked.
 */
public final class ReadingWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReadingWriter.class);
  private static final String STAGING =
      "CREATE TEMP TABLE IF NOT EXISTS staging_readings (LIKE readings) ON COMMIT DELETE ROWS";

  /**
   * After a replay: the readings go through staging and only those not stored yet are inserted, and
   * returned, so that only they are recorded as new.
   */
  private static final String INSERT_NEW =
      "INSERT INTO readings (station_id, parameter_id, ts, value, status)"
          + " SELECT station_id, parameter_id, ts, value, status FROM staging_readings"
          + " ON CONFLICT DO NOTHING"
          + " RETURNING station_id, parameter_id, (extract(epoch FROM ts) * 1000)::bigint, value,"
          + " status";

  private static final String PARK =
      "INSERT INTO dead_letters (topic, gateway, seq, reason, detail, rejected_readings, payload,"
          + " payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, payload_sha256) DO NOTHING";

  private static final long IDLE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** After a replay, how long every transaction expects more (a gateway resending its backlog). */
  private static final long REPLAYS_EXPECTED_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final String UNIQUE_VIOLATION = "23505";

  private final DataSource dataSource;
  private final ParameterCatalog parameters;
  private final StationDirectory stations;
  private final IntakeMetrics metrics;
  private final StoredBatch.Recording recording;

  /**
   * The recording statement when this transaction's readings may be judged in it; null with
   * alerting off (nothing is judged in the writer then).
   */
  private final StoredBatch.Recording recordingJudged;

  /** Until when transactions skip stored rows rather than fail on them (nanoTime). */
  private long replaysExpectedUntil = System.nanoTime();

  private final int maxReadings;
  private final long lingerNanos;
  private final BlockingQueue<Inbound> queue;
  private final AtomicInteger queuedReadings = new AtomicInteger();
  private final Thread thread;
  private final AggregateFollower aggregates;
  private volatile boolean running = true;
  private volatile boolean databaseUp = true;

  /**
   * A message the last transaction took but could not copy (one of its stations was not known yet,
   * and the COPY under way leaves no room to look it up): the next transaction begins with it.
   */
  private Inbound carried;

  private volatile NewReadings.Handoff handoff;

  /**
   * Since when (nanoTime) the writer has had nothing to write, or {@link #BUSY} while it gathers or
   * writes a transaction: the aggregates fold in its pauses.
   */
  private volatile long idleSince = System.nanoTime();

  private static final long BUSY = Long.MIN_VALUE;

  /**
   * @param forEvaluation whether each transaction also leaves its batch for the compliance engine
   *     ({@code evaluation_batches}: alerting on)
   * @param markLateAfter readings older than this when they are stored are noted in {@code
   *     late_readings} (the regulator link's corrections), or null for no notes
   */
  public ReadingWriter(
      DataSource dataSource,
      ParameterCatalog parameters,
      StationDirectory stations,
      IntakeMetrics metrics,
      int queueCapacity,
      int maxReadings,
      long lingerMillis,
      boolean forEvaluation,
      Duration markLateAfter) {
    this.dataSource = dataSource;
    this.parameters = parameters;
    this.recording =
        StoredBatch.recording(
            forEvaluation ? StoredBatch.Queue.ALWAYS : StoredBatch.Queue.NONE, markLateAfter);
    // the writer judges only what it would otherwise leave for the engine: with alerting on
    this.recordingJudged =
        forEvaluation
            ? StoredBatch.recording(StoredBatch.Queue.BEHIND_WAITING, markLateAfter)
            : null;
    this.stations = stations;
    this.metrics = metrics;
    this.maxReadings = maxReadings;
    this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    metrics.bindQueue(queue::size, queuedReadings::get);
    this.thread = new Thread(this::run, "outfall-writer");
    this.aggregates = new AggregateFollower(dataSource, metrics, this::idleNanos);
  }

  public void start() {
    aggregates.start();
    thread.start();
  }

  /**
   * Queues a validated message. Blocks while the queue is full: that is the backpressure, and with
   * the MQTT receive maximum no larger than the queue it does not happen in practice.
   */
  public void submit(Inbound inbound) throws InterruptedException {
    queuedReadings.addAndGet(inbound.rows().size());
    queue.put(inbound);
  }

  /**
   * Hands the readings of each transaction to {@code handoff} before it commits (the compliance
   * engine, while it leads in this instance).
   */
  public void handOffTo(NewReadings.Handoff handoff) {
    this.handoff = handoff;
  }

  public boolean databaseUp() {
    return databaseUp;
  }

  public int queuedMessages() {
    return queue.size();
  }

  /** How long the writer has had nothing to write, in nanoseconds; 0 while it gathers or writes. */
  private long idleNanos() {
    long since = idleSince;
    return since == BUSY ? 0 : System.nanoTime() - since;
  }

  private void run() {
    List<Inbound> batch = new ArrayList<>();
    while (running || !queue.isEmpty() || carried != null) {
      try {
        Inbound first = carried != null ? carried : queue.poll();
        carried = null;
        if (first == null) {
          if (idleSince == BUSY) idleSince = System.nanoTime();
          first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) continue;
        }
        idleSince = BUSY;
        batch.add(first);
        writeUntilDone(batch, new Gathering(first.rows().size()));
        for (Inbound in : batch) {
          queuedReadings.addAndGet(-in.rows().size());
        }
        batch.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break; // unacknowledged messages will be redelivered by the broker
      }
    }
  }

  /**
   * How a transaction takes more messages after its first: until it is full, it has waited the
   * linger time in all, or no message came for {@link #IDLE_GAP_NANOS}. The gap rule keeps latency
   * low at steady rates (a burst of gateways publishing together becomes one transaction, and then
   * nothing waits for messages that are not coming), while a backlog, which arrives without gaps,
   * still fills whole transactions. Only waiting counts towards the linger time, not copying: a
   * backlog's transaction copies for longer than the linger (20,000 readings take some 40 ms), and
   * would otherwise end at the first moment the queue ran dry. Only a transaction's first attempt
   * gathers; a retry writes what it took.
   */
  private final class Gathering {
    private long waited;
    private int readings;

    Gathering(int readings) {
      this.readings = readings;
    }

    /**
     * The next message for the transaction, or null when it should take no more; before waiting for
     * one, sends {@code copy} what it holds, for the server to store meanwhile.
     */
    Inbound next(Copy copy) throws InterruptedException, SQLException {
      if (readings >= maxReadings) return null;
      Inbound next = queue.poll();
      if (next == null) {
        copy.send();
        long wait = Math.min(lingerNanos - waited, IDLE_GAP_NANOS);
        if (wait <= 0) return null;
        long from = System.nanoTime();
        next = queue.poll(wait, TimeUnit.NANOSECONDS);
        waited += System.nanoTime() - from;
      }
      if (next != null) readings += next.rows().size();
      return next;
    }
  }

  /**
   * Writes {@code batch}, first gathering more into it with {@code gathering} (null: as it is),
   * until it is stored or parked.
   */
  private void writeUntilDone(List<Inbound> batch, Gathering gathering)
      throws InterruptedException {
    long backoff = 100;
    while (true) {
      try {
        write(batch, gathering);
        databaseUp = true;
        return;
      } catch (SQLException e) {
        gathering = null; // what it took is in batch: a retry writes the same messages
        if (isTransient(e)) {
          metrics.writeFailed(true);
          if (databaseUp) {
            log.warn(
                "database unavailable, holding {} messages and retrying: {}",
                batch.size(),
                e.getMessage());
          }
          databaseUp = false;
          Thread.sleep(backoff);
          backoff = Math.min(backoff * 2, 5_000);
        } else {
          metrics.writeFailed(false);
          log.error(
              "database refused a transaction of {} messages: {}", batch.size(), e.getMessage());
          if (batch.size() > 1) {
            // Find the offending message: write one at a time (each retried as above).
            for (Inbound in : batch) {
              writeUntilDone(List.of(in), null);
            }
          } else {
            parkRefused(batch.get(0), e);
          }
          return;
        }
      }
    }
  }

  private void write(List<Inbound> received, Gathering gathering)
      throws SQLException, InterruptedException {
    long start = System.nanoTime();
    try {
      write(received, gathering, true, start);
    } catch (NewReadings.JudgingFailed e) {
      // Storing must not depend on judging: the engine starts again from storage (release) and
      // judges these readings from the queue.
      log.error("{}; storing the transaction again for the engine to judge", e.getMessage());
      write(received, null, false, start);
    }
  }

  private void write(List<Inbound> received, Gathering gathering, boolean judgeHere, long start)
      throws SQLException, InterruptedException {
    if (start - replaysExpectedUntil >= 0) {
      if (write(received, gathering, false, judgeHere, start)) return;
      // a reading was stored already (a redelivery): again, skipping stored rows, and so for a
      // while
      replaysExpectedUntil = System.nanoTime() + REPLAYS_EXPECTED_NANOS;
      gathering = null; // what it took is in received
    }
    write(received, gathering, true, judgeHere, start);
  }

  /**
   * One transaction; false, with nothing written, when {@code replays} is false and a reading was
   * stored already. With {@code gathering}, it takes more messages into {@code received} as they
   * arrive. With {@code judgeHere}, its readings may be judged in it ({@link
   * NewReadings.Handoff#judgeHere}).
   */
  private boolean write(
      List<Inbound> received, Gathering gathering, boolean replays, boolean judgeHere, long start)
      throws SQLException, InterruptedException {
    Map<String, StationDirectory.Registration> newStations = new HashMap<>();
    for (Inbound in : received) {
      for (Inbound.Row r : in.rows()) {
        newStations.putIfAbsent(
            r.station(), new StationDirectory.Registration(in.site(), in.gateway()));
      }
    }
    // what is stored and acknowledged: the received messages less their refused stations
    List<Inbound> batch = new ArrayList<>(received.size());
    List<Held> held = new ArrayList<>();
    int inserted = 0;
    NewReadings.Handoff to = handoff;
    // what was handed over for the transaction, withdrawn if it does not commit
    long handedToEngine = 0;
    long handedToAggregates = 0;
    Map<String, StationDirectory.Known> ids;
    // whether this transaction holds the engine's judging (released however it ends), and whether
    // it committed
    boolean judging = false;
    boolean committed = false;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        ids = stations.resolve(c, newStations);
        boolean hand = to != null && to.wanted();
        StoredBatch stored;
        try (Copy copy = new Copy(c, replays, hand, received.get(0).rows().size())) {
          for (Inbound in : received) copy.add(checkStations(in, ids, held), ids, batch);
          for (Inbound next; gathering != null && (next = gathering.next(copy)) != null; ) {
            if (!toldWithoutLookup(next, newStations.keySet(), ids)) {
              carried = next; // a station to look up: the COPY under way leaves no room
              break;
            }
            received.add(next);
            copy.add(checkStations(next, ids, held), ids, batch);
          }
          stored = copy.finish(ids);
        }
        if (stored != null) {
          inserted = stored.readings();
          if (inserted > 0) {
            judging = hand && judgeHere && recordingJudged != null && to.judgeHere(inserted);
            StoredBatch.Ids recorded =
                stored.record(c, judging ? recordingJudged : recording, parameters);
            if (aggregates.offer(recorded.readingBatch(), stored.hourRows()))
              handedToAggregates = recorded.readingBatch();
            if (hand && recorded.evaluationBatch() > 0) {
              to.offer(recorded.evaluationBatch(), stored.rows());
              handedToEngine = recorded.evaluationBatch();
            } else if (judging) {
              to.judge(c, stored.rows()); // nothing waits: judged here, committed with them
            }
          }
        }
        hold(c, held);
        park(c, batch);
        c.commit();
        committed = true;
      } catch (SQLException | RuntimeException | InterruptedException e) {
        rollbackQuietly(c);
        // the commit may have failed (or not): the batches are read back if they are there
        if (handedToEngine > 0) to.withdraw(handedToEngine);
        if (handedToAggregates > 0) aggregates.withdraw(handedToAggregates);
        if (!replays && e instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState()))
          return false;
        throw e;
      } finally {
        if (judging) to.release(committed);
      }
    }
    stations.remember(ids);
    if (inserted > 0) aggregates.wake();
    long now = System.nanoTime();
    int rows = 0;
    for (Inbound in : batch) rows += in.rows().size();
    metrics.committed(batch.size(), inserted, rows - inserted, now - start);
    if (!held.isEmpty()) metrics.rejected(RejectReason.UNREGISTERED_STATION, held.size());
    for (Inbound in : batch) {
      for (Inbound.Rejection r : in.rejections()) {
        metrics.rejected(r.reason(), r.readings());
      }
      metrics.arrivalToCommit(now - in.receivedAtNanos());
      in.delivery().acknowledge();
    }
    return true;
  }

  /** A reading of a station no one registered, held for an admin (mode park). */
  private record Held(String site, String gateway, Inbound.Row row) {}

  /**
   * Keeps the readings a message may add: those of stations of its own site. A gateway speaks only
   * for its own site, whose identity the broker checked, and must not add readings to another
   * plant's record; those readings become rejections. Readings of a station the registry does not
   * know are held (mode park) or refused (mode refuse).
   */
  private Inbound checkStations(
      Inbound in, Map<String, StationDirectory.Known> stations, List<Held> held) {
    Map<String, Integer> foreign = new LinkedHashMap<>();
    Map<String, Integer> unknown = new LinkedHashMap<>();
    List<Inbound.Row> kept = new ArrayList<>(in.rows().size());
    for (Inbound.Row r : in.rows()) {
      StationDirectory.Known k = stations.get(r.station());
      if (k == null) {
        if (this.stations.mode() == StationDirectory.Unregistered.PARK)
          held.add(new Held(in.site(), in.gateway(), r));
        else unknown.merge(r.station(), 1, Integer::sum);
      } else if (k.site().equals(in.site())) kept.add(r);
      else foreign.merge(r.station(), 1, Integer::sum);
    }
    if (foreign.isEmpty() && unknown.isEmpty() && kept.size() == in.rows().size()) return in;
    List<Inbound.Rejection> rejections = new ArrayList<>(in.rejections());
    int units = in.rejectedUnits();
    for (var e : foreign.entrySet()) {
      StationDirectory.Known k = stations.get(e.getKey());
      rejections.add(
          new Inbound.Rejection(
              RejectReason.STATION_SITE_MISMATCH,
              "",
              "station " + e.getKey() + " belongs to site " + k.site() + ", not to " + in.site(),
              e.getValue()));
      units += e.getValue();
    }
    for (var e : unknown.entrySet()) {
      rejections.add(
          new Inbound.Rejection(
              RejectReason.UNREGISTERED_STATION,
              "",
              "station " + e.getKey() + " is not in the registry (registry.unregistered-stations)",
              e.getValue()));
      units += e.getValue();
    }
    return new Inbound(
        in.delivery(),
        in.site(),
        in.gateway(),
        in.seq(),
        kept,
        rejections,
        units,
        in.receivedAtNanos());
  }

  /**
   * Whether every station of {@code in} is told without the database, whose connection the
   * transaction's COPY holds: looked up in this transaction already ({@code lookedUp}, known or
   * not), or known from the cache, and then added to {@code ids}. Only a station code the writer
   * has not seen committed, nor in this transaction, needs a lookup: a gateway's new station, or
   * every message of a gateway that makes up a new code each time (one transaction each).
   */
  private boolean toldWithoutLookup(
      Inbound in, Set<String> lookedUp, Map<String, StationDirectory.Known> ids) {
    for (Inbound.Row r : in.rows()) {
      if (lookedUp.contains(r.station()) || ids.containsKey(r.station())) continue;
      StationDirectory.Known k = stations.cached(r.station());
      if (k == null) return false;
      ids.put(r.station(), k);
    }
    return true;
  }

  /**
   * The readings of one transaction on their way to the server, message by message: copied straight
   * into readings (the fast path, when no reading is expected to be stored already: a stored one
   * fails the copy with a unique violation, and all are new), or after a replay into staging, from
   * which only what is new is inserted and recorded. The COPY opens with the first row, so a
   * transaction of refused messages runs none.
   */
  private static final class Copy implements AutoCloseable {
    private final Connection c;
    private final boolean replays;
    private final boolean keep;
    private final int expected;
    private ReadingCopy copy;
    private StoredBatch stored;

    /**
     * @param replays whether to go through staging
     * @param keep whether the stored readings are kept for the compliance engine
     * @param expected about how many readings a message holds
     */
    Copy(Connection c, boolean replays, boolean keep, int expected) {
      this.c = c;
      this.replays = replays;
      this.keep = keep;
      this.expected = expected;
    }

    /** Adds {@code checked} (its readings of known stations, {@code ids}) to {@code batch}. */
    void add(Inbound checked, Map<String, StationDirectory.Known> ids, List<Inbound> batch)
        throws SQLException {
      batch.add(checked);
      if (checked.rows().isEmpty()) return;
      if (copy == null) {
        if (replays) {
          try (var st = c.createStatement()) {
            st.execute(STAGING);
          }
        } else stored = new StoredBatch(keep, expected);
        copy = ReadingCopy.into(c, replays ? "staging_readings" : "readings", expected);
      }
      for (Inbound.Row r : checked.rows()) {
        int station = ids.get(r.station()).id();
        copy.add(station, r.parameterId(), r.timestampMs(), r.value(), r.status());
        if (!replays)
          stored.add(r.station(), station, r.parameterId(), r.timestampMs(), r.value(), r.status());
      }
    }

    /** Sends what is added so far. */
    void send() throws SQLException {
      if (copy != null) copy.send();
    }

    /** Ends the copy; what is newly stored, or null if no reading was added. */
    StoredBatch finish(Map<String, StationDirectory.Known> ids) throws SQLException {
      if (copy == null) return null;
      copy.finish();
      return replays ? insertNew(ids) : stored;
    }

    private StoredBatch insertNew(Map<String, StationDirectory.Known> ids) throws SQLException {
      Map<Integer, String> codes = new HashMap<>();
      ids.forEach((code, known) -> codes.put(known.id(), code));
      StoredBatch inserted = new StoredBatch(keep, expected);
      try (var st = c.createStatement();
          var rs = st.executeQuery(INSERT_NEW)) {
        while (rs.next())
          inserted.add(
              codes.get(rs.getInt(1)),
              rs.getInt(1),
              rs.getShort(2),
              rs.getLong(3),
              rs.getDouble(4),
              rs.getShort(5));
      }
      return inserted;
    }

    /** Cancels a copy that was not finished, leaving the connection usable for the rollback. */
    @Override
    public void close() throws SQLException {
      if (copy != null) copy.close();
    }
  }

  private static void hold(Connection c, List<Held> held) throws SQLException {
    if (held.isEmpty()) return;
    try (var ps =
        c.prepareStatement(
            "INSERT INTO unregistered_readings (station, site, gateway, parameter_id, ts, value,"
                + " status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (Held h : held) {
        ps.setString(1, h.row().station());
        ps.setString(2, h.site());
        ps.setString(3, h.gateway());
        ps.setShort(4, h.row().parameterId());
        ps.setTimestamp(5, new Timestamp(h.row().timestampMs()));
        ps.setDouble(6, h.row().value());
        ps.setShort(7, h.row().status());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void park(Connection c, List<Inbound> batch) throws SQLException {
    boolean any = false;
    try (var ps = c.prepareStatement(PARK)) {
      for (Inbound in : batch) {
        if (in.clean()) {
          continue;
        }
        Inbound.Rejection first = in.rejections().get(0);
        StringBuilder detail = new StringBuilder();
        for (Inbound.Rejection r : in.rejections()) {
          if (detail.length() > 0) detail.append('\n');
          detail.append(r.reason().label()).append(": ").append(r.detail());
        }
        ps.setString(1, in.delivery().topic());
        ps.setString(2, in.gateway());
        if (in.seq() == null) ps.setNull(3, Types.BIGINT);
        else ps.setLong(3, in.seq());
        ps.setString(4, first.reason().label());
        ps.setString(5, detail.toString());
        ps.setInt(6, in.rejectedUnits());
        ps.setBytes(7, in.delivery().payload());
        ps.setBytes(8, sha256(in.delivery().payload()));
        ps.addBatch();
        any = true;
      }
      if (any) {
        ps.executeBatch();
      }
    }
  }

  /** A single message the database refuses for its content: park all of it, then acknowledge. */
  private void parkRefused(Inbound in, SQLException cause) throws InterruptedException {
    var refused =
        new Inbound(
            in.delivery(),
            in.site(),
            in.gateway(),
            in.seq(),
            List.of(),
            List.of(
                new Inbound.Rejection(
                    RejectReason.STORAGE_REFUSED,
                    "",
                    "database refused the readings: " + cause.getMessage(),
                    in.rows().size() + in.rejectedUnits())),
            in.rows().size() + in.rejectedUnits(),
            in.receivedAtNanos());
    writeUntilDone(List.of(refused), null);
  }

  private static boolean isTransient(SQLException e) {
    if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
      return true;
    }
    String state = e.getSQLState();
    if (state == null) {
      return true; // no server verdict: the connection broke
    }
    // 08 connection, 53 resources, 57P admin shutdown / cannot connect now, 40 rollback
    // (serialization, deadlock)
    return state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("57P")
        || state.startsWith("40");
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool will discard it
    }
  }

  private static byte[] sha256(byte[] payload) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(payload);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops taking new work, finishes what is queued (best effort), folds what it stored into the
   * aggregates, and stops the threads.
   */
  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(2_000);
    }
    aggregates.close();
  }
}

package io.outfall.ingest.dashboards;

import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.intake.AggregateFollower;
import io.outfall.ingest.intake.ReadingsNotice;
import io.outfall.ingest.intake.StationDirectory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGNotification;

/**
 * What every station has reported, kept in memory for the regulator's overview: its newest reading,
 * and for each sampled parameter which five-minute slots of the last {@value #DAYS} days hold a
 * valid reading. With a thousand plants, reading thirty days of slot masks back on every request
 * cost more than the rest of the overview together; here a request only counts bits.
 *
 * <p>Loaded once from {@code readings_daily} (kept for today too, one fold behind the writers: each
 * load first waits for the batches committed before it to be folded), then kept up to date from the
 * writers' announcements ({@code outfall_readings}, on a connection of its own): a message of live
 * readings sets its slots; a message that brought more than the newest reading of each parameter (a
 * backlog) has its station read again from the aggregates at the next request. Before answering, a
 * request sends a notice of its own through the database and waits for it to come back on that
 * connection: PostgreSQL delivers notices in commit order, so by then every announcement committed
 * before the request has been applied, and the answer is as fresh as the database. A lost listening
 * connection, or a notice that does not come back within a second, makes the next request load
 * everything again.
 *
 * <p>On the same connection it counts the announcements of what else the overview shows (alerts,
 * the registry, permits: {@link #OTHER_CHANGES}), so that after the same wait the overview knows
 * whether what it keeps of those is still what the database holds: the alerts apart ({@link
 * #alertChanges}), which change far more often than the rest ({@link #otherChanges}).
 *
 * <p>Counts what {@link SlotMasks} and {@link Completeness} count, with one simplification: a
 * parameter is taken as reported in a period when it reported on any UTC day the period touches.
 */
final class ReportingState implements AutoCloseable {
  /** Days of slots kept: thirty, the partial days at both ends, and one to spare. */
  static final int DAYS = 32;

  static final String SYNC_CHANNEL = "outfall_overview_sync";

  private static final int SLOTS_PER_DAY = 288;
  private static final int WORDS_PER_DAY = 5; // 288 bits
  private static final long FIVE_MINUTES = Duration.ofMinutes(5).toMillis();

  /** One parameter's five-minute valid slots, day by day in a ring of {@value #DAYS} days. */
  static final class Slots {
    private final long[] words = new long[DAYS * WORDS_PER_DAY];
    private final long[] dayOf = new long[DAYS];

    /** The newest day present (dayOf's largest). */
    private long newest = Long.MIN_VALUE;

    Slots() {
      Arrays.fill(dayOf, Long.MIN_VALUE);
    }

    /** Makes {@code day} present (a row, valid or not), dropping what its place held. */
    private int day(long day) {
      int at = (int) Math.floorMod(day, DAYS);
      if (dayOf[at] != day) {
        if (dayOf[at] > day) return -1; // older than the ring keeps
        dayOf[at] = day;
        newest = Math.max(newest, day);
        Arrays.fill(words, at * WORDS_PER_DAY, (at + 1) * WORDS_PER_DAY, 0L);
      }
      return at;
    }

    void seen(long epochMs) {
      day(Math.floorDiv(epochMs, 86_400_000L));
    }

    void setValid(long epochMs) {
      long u = Math.floorDiv(epochMs, FIVE_MINUTES);
      int at = day(Math.floorDiv(u, SLOTS_PER_DAY));
      if (at < 0) return;
      int bit = (int) Math.floorMod(u, SLOTS_PER_DAY);
      words[at * WORDS_PER_DAY + (bit >> 6)] |= 1L << (bit & 63);
    }

    /** Whether any day in [fromDay, toDay] is present. */
    boolean present(long fromDay, long toDay) {
      // the usual answer without looking at every day: the overview asks this of every
      // parameter of every station at every request
      if (newest >= fromDay && newest <= toDay) return true;
      if (newest < fromDay) return false;
      for (long d : dayOf) if (d >= fromDay && d <= toDay) return true;
      return false;
    }

    /** Valid five-minute slots (UTC slot numbers) in [from, to). */
    long count(long from, long to) {
      long n = 0;
      for (long d = Math.floorDiv(from, SLOTS_PER_DAY); d * SLOTS_PER_DAY < to; d++) {
        int at = (int) Math.floorMod(d, DAYS);
        if (dayOf[at] != d) continue;
        int lo = (int) Math.max(0, from - d * SLOTS_PER_DAY);
        int hi = (int) Math.min(SLOTS_PER_DAY, to - d * SLOTS_PER_DAY);
        for (int w = lo >> 6; w <= (hi - 1) >> 6 && w < WORDS_PER_DAY; w++) {
          long mask = -1L;
          if (w == lo >> 6) mask &= -1L << (lo & 63);
          if (w == (hi - 1) >> 6) mask &= -1L >>> (63 - ((hi - 1) & 63));
          n += Long.bitCount(words[at * WORDS_PER_DAY + w] & mask);
        }
      }
      return n;
    }

    /** The first valid five-minute slot (UTC slot number) in [from, to), or -1. */
    long first(long from, long to) {
      for (long d = Math.floorDiv(from, SLOTS_PER_DAY); d * SLOTS_PER_DAY < to; d++) {
        int at = (int) Math.floorMod(d, DAYS);
        if (dayOf[at] != d) continue;
        int lo = (int) Math.max(0, from - d * SLOTS_PER_DAY);
        int hi = (int) Math.min(SLOTS_PER_DAY, to - d * SLOTS_PER_DAY);
        for (int w = lo >> 6; w <= (hi - 1) >> 6 && w < WORDS_PER_DAY; w++) {
          long bits = words[at * WORDS_PER_DAY + w];
          if (w == lo >> 6) bits &= -1L << (lo & 63);
          if (bits == 0) continue;
          int bit = (w << 6) + Long.numberOfTrailingZeros(bits);
          if (bit < hi) return d * SLOTS_PER_DAY + bit;
        }
      }
      return -1;
    }

    /** The start of the first valid five-minute slot from {@code seriesFrom} on, or null. */
    Instant firstValid(Instant seriesFrom, Instant to) {
      long firstSlot =
          first(Math.floorDiv(seriesFrom.toEpochMilli(), FIVE_MINUTES), fiveMinuteSlotAfter(to));
      return firstSlot < 0 ? null : Instant.ofEpochMilli(firstSlot * FIVE_MINUTES);
    }

    /**
     * Completeness over [from, to) in {@code slot}s, counted from the slot of the series' first
     * valid reading ({@link #firstValid}) when that is later: {@link SlotMasks.Series#share}.
     */
    Completeness.Share share(Instant firstValid, Instant from, Instant to, Duration slot) {
      Instant start = Completeness.monitoredFrom(from, firstValid, slot);
      long expected = Completeness.expected(start, to, slot);
      if (expected == 0) return Completeness.NONE;
      long k = slot.toMillis() / FIVE_MINUTES;
      long firstIndex = Completeness.slotIndex(start.toEpochMilli() + slot.toMillis() - 1, slot);
      long filled = 0;
      // A plan slot i covers local five-minute slots [i k, (i + 1) k); UTC ones are 84 earlier.
      long shift = Duration.ofHours(7).toMillis() / FIVE_MINUTES;
      if (k == 1) filled = count(firstIndex - shift, firstIndex + expected - shift);
      else
        for (long i = firstIndex; i < firstIndex + expected; i++)
          if (count(i * k - shift, (i + 1) * k - shift) > 0) filled++;
      return new Completeness.Share(filled, expected);
    }

    private static long fiveMinuteSlotAfter(Instant to) {
      return Math.floorDiv(to.toEpochMilli(), FIVE_MINUTES) + 12; // the hour's row may run on
    }
  }

  /** One station: its newest reading (epoch ms, or MIN) and its parameters' slots. */
  static final class Station {
    long lastMs = Long.MIN_VALUE;
    final Map<String, Slots> parameters = new HashMap<>();

    /**
     * The last {@link Shares} counted, for which periods ({@link #periods}) and plan: they hold
     * until the station's slots change (then null) or the periods move.
     */
    Shares counted;

    long[] countedFor;
    SamplingPlan countedPlan;
  }

  private final Map<String, Station> stations = new HashMap<>();
  private final Set<String> dirty = new HashSet<>();

  /** Stations whose state changed since {@link #takeChanged}; null: every station (a load). */
  private Set<String> changed;

  private Set<String> meters = Set.of();
  private boolean loaded;

  /** Bumped whenever listening starts or stops: a load that spans one is not trusted. */
  private long epoch;

  /** Announcements received while a load runs: applied again once it is in place. */
  private List<ReadingsNotice> duringLoad;

  /** One load at a time: requests on several workers may each find the state behind. */
  private final Object loading = new Object();

  private final Map<String, CompletableFuture<Void>> syncs = new ConcurrentHashMap<>();
  private volatile boolean listening;
  private final Listener listener;

  /** Where alerts opened, resolved or changing band are announced ({@code AlertStore}). */
  private static final String ALERTS = "outfall_alerts";

  /**
   * Where what else the overview shows is announced: alerts ({@link #ALERTS}), the registry ({@code
   * Registry}), permits ({@code PermitStore}), a station registered by its first reading ({@link
   * StationDirectory#REGISTERED}).
   */
  static final List<String> OTHER_CHANGES =
      List.of(ALERTS, "outfall_registry", "outfall_permits", StationDirectory.REGISTERED);

  /**
   * Announcements on {@link #OTHER_CHANGES} but {@link #ALERTS}, and starts and stops of listening,
   * so far.
   */
  private final AtomicLong otherChanges = new AtomicLong();

  /** Announcements on {@link #ALERTS} so far. */
  private final AtomicLong alertChanges = new AtomicLong();

  /** Every announcement so far but the requests' own notices, and starts and stops of listening. */
  private final AtomicLong heard = new AtomicLong();

  /**
   * The stations those announced alerts of since {@link #takeAlerted}; null: one could not tell.
   */
  private Set<String> alerted = new HashSet<>();

  ReportingState(DataSource ds) {
    List<String> channels = new ArrayList<>(List.of("outfall_readings", SYNC_CHANNEL));
    channels.addAll(OTHER_CHANGES);
    listener =
        new Listener(
            "outfall-overview-state",
            ds,
            channels,
            this::startedListening,
            this::notice,
            this::notListening);
  }

  // --- fed by the listening thread -----------------------------------------------------------

  boolean listening() {
    return listening;
  }

  /** Listening (again): what was announced while it was not is unknown, so load anew. */
  private synchronized void startedListening() {
    listening = true;
    loaded = false;
    epoch++;
    otherChanges.incrementAndGet();
    heard.incrementAndGet();
  }

  private synchronized void notListening() {
    listening = false;
    loaded = false;
    epoch++;
    otherChanges.incrementAndGet();
    heard.incrementAndGet();
  }

  private void notice(PGNotification n) {
    if (n.getName().equals(SYNC_CHANNEL)) {
      // a request's notice came back: every announcement before it has been applied
      CompletableFuture<Void> f = syncs.remove(n.getParameter());
      if (f != null) f.complete(null);
      return;
    }
    if (n.getName().equals("outfall_readings")) announced(ReadingsNotice.parse(n.getParameter()));
    else if (n.getName().equals(ALERTS)) alerted(n.getParameter());
    else otherChanges.incrementAndGet();
    heard.incrementAndGet(); // after applying: who sees it moved finds the change applied
  }

  /**
   * Announcements applied so far ({@code outfall_readings} and {@link #OTHER_CHANGES}), and starts
   * and stops of listening; the requests' own notices are not counted.
   */
  long heard() {
    return heard.get();
  }

  /**
   * How many announcements of what else the overview shows ({@link #OTHER_CHANGES}) but alerts came
   * so far, and starts and stops of listening: after {@link #catchUp} with {@link #listening},
   * every change committed before it is counted.
   */
  long otherChanges() {
    return otherChanges.get();
  }

  /** How many announcements of alerts ({@code outfall_alerts}) came so far, as above. */
  long alertChanges() {
    return alertChanges.get();
  }

  /** One {@code outfall_alerts} announcement, its station noted before it is counted. */
  private void alerted(String announcement) {
    String station = LiveFeed.stationOf(announcement);
    synchronized (this) {
      if (station == null) alerted = null;
      else if (alerted != null) alerted.add(station);
    }
    alertChanges.incrementAndGet();
  }

  /**
   * The stations whose alerts were announced since the last call, or null when an announcement did
   * not say whose: taken after reading {@link #alertChanges}, it holds every station counted there.
   */
  synchronized Set<String> takeAlerted() {
    Set<String> taken = alerted;
    alerted = new HashSet<>();
    return taken;
  }

  /** One {@code outfall_readings} announcement: a station's newest readings of one batch. */
  private synchronized void announced(ReadingsNotice a) {
    if (duringLoad != null) duringLoad.add(a);
    apply(a);
  }

  @Override
  public void close() throws InterruptedException {
    listener.close();
  }

  private void apply(ReadingsNotice a) {
    String code = a.station();
    Station st = stations.computeIfAbsent(code, k -> new Station());
    st.counted = null;
    if (changed != null) changed.add(code);
    for (ReadingsNotice.Newest r : a.newest()) {
      st.lastMs = Math.max(st.lastMs, r.timestampMs());
      if (meters.contains(r.parameter())) continue;
      Slots s = st.parameters.computeIfAbsent(r.parameter(), k -> new Slots());
      s.seen(r.timestampMs());
      if (r.status() == 0) s.setValid(r.timestampMs());
    }
    // more readings than the newest of each parameter: a backlog, whose other slots are unknown
    if (a.stored() > a.newest().size()) dirty.add(code);
  }

  // --- used by the overview, on a worker thread ----------------------------------------------

  /**
   * Brings the state up to what the database holds now ({@code c} for its queries): waits for the
   * announcements committed so far, then loads what it must (everything, or the stations a backlog
   * reached). Read it afterwards through {@link #shares} and {@link #last}.
   */
  void catchUp(Connection c, Instant now) throws SQLException {
    boolean synced = listening && sync(c);
    synchronized (loading) {
      Set<String> reload;
      long started;
      synchronized (this) {
        started = epoch;
        if (!synced) loaded = false;
        if (!loaded) reload = null;
        else if (dirty.isEmpty()) return;
        else reload = new HashSet<>(dirty);
        duringLoad = new ArrayList<>();
      }
      // what a load reads from the aggregates must include every batch announced so far
      boolean folded = AggregateFollower.awaitFolded(c);
      Map<String, Station> read = new HashMap<>();
      Set<String> meterCodes = meters(c);
      Map<String, Long> last = Overview.lastReadings(c, now.minus(Duration.ofDays(3)), reload);
      readDays(c, now, reload, meterCodes, read);
      last.forEach((code, ms) -> read.computeIfAbsent(code, k -> new Station()).lastMs = ms);
      synchronized (this) {
        meters = meterCodes;
        if (reload == null) {
          stations.clear();
          changed = null;
        } else {
          reload.forEach(stations::remove);
          if (changed != null) changed.addAll(reload);
        }
        stations.putAll(read);
        if (reload == null) dirty.clear();
        else dirty.removeAll(reload);
        for (ReadingsNotice a : duringLoad) apply(a);
        duringLoad = null;
        // else announcements or folds may be missing: load again next time
        loaded = epoch == started && folded;
      }
    }
  }

  /** Sends a notice through the database and waits for it on the feed: false if it is late. */
  private boolean sync(Connection c) throws SQLException {
    String token = UUID.randomUUID().toString();
    CompletableFuture<Void> f = new CompletableFuture<>();
    syncs.put(token, f);
    try (var ps = c.prepareStatement("SELECT pg_notify('" + SYNC_CHANNEL + "', ?)")) {
      ps.setString(1, token);
      ps.execute();
    }
    try {
      f.get(1, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      syncs.remove(token);
    }
  }

  /**
   * The stations whose {@link #shares} or {@link #last} may have changed since the last call, or
   * null for every station (the first call, and after a load of everything). For one reader, the
   * overview, which keeps what it computed from them.
   */
  synchronized Set<String> takeChanged() {
    Set<String> taken = changed;
    changed = new HashSet<>();
    return taken;
  }

  synchronized Instant last(String station) {
    Station st = stations.get(station);
    return st == null || st.lastMs == Long.MIN_VALUE ? null : Instant.ofEpochMilli(st.lastMs);
  }

  /**
   * A station's completeness over [from, to) for each of several {@code from}s, summed over the
   * parameters it reported between {@code seriesFrom} and {@code to}, and which parameters those
   * are.
   */
  record Shares(Completeness.Share[] byPeriod, List<String> parameters) {}

  /**
   * {@link Shares} of {@code station}, each parameter counted in the slot {@code plan} gives.
   *
   * <p>Counted once per station and five minutes: what a share counts are whole slots, so it is the
   * same for every {@code to} between two five-minute boundaries (plan slots are multiples of five
   * minutes at the same origin), as long as the station's slots and plan did not change. The
   * overview asks this of every station at every request, and counting was half of its time under a
   * province's live load (JFR, bench-fleet, 2026-12-01).
   */
  synchronized Shares shares(
      String station, Instant seriesFrom, Instant[] froms, Instant to, SamplingPlan plan) {
    Station st = stations.get(station);
    if (st == null) {
      Completeness.Share[] none = new Completeness.Share[froms.length];
      Arrays.fill(none, Completeness.NONE);
      return new Shares(none, List.of());
    }
    long[] periods = periods(seriesFrom, froms, to);
    if (st.counted != null && Arrays.equals(st.countedFor, periods) && plan.equals(st.countedPlan))
      return st.counted;
    Completeness.Share[] sums = new Completeness.Share[froms.length];
    Arrays.fill(sums, Completeness.NONE);
    long fromDay = Math.floorDiv(seriesFrom.toEpochMilli(), 86_400_000L);
    long toDay = Math.floorDiv(to.toEpochMilli(), 86_400_000L);
    List<String> reported = new ArrayList<>();
    for (var e : st.parameters.entrySet()) {
      Slots s = e.getValue();
      if (!s.present(fromDay, toDay)) continue;
      reported.add(e.getKey());
      Duration slot = plan.slot(e.getKey());
      Instant first = s.firstValid(seriesFrom, to); // once for every period
      for (int i = 0; i < froms.length; i++)
        sums[i] = sums[i].plus(s.share(first, froms[i], to, slot));
    }
    st.counted = new Shares(sums, reported);
    st.countedFor = periods;
    st.countedPlan = plan;
    return st.counted;
  }

  /**
   * What the shares over [from, to) depend on of their instants: {@code seriesFrom}, and for {@code
   * to} and each {@code from} its five-minute slot and whether it lies exactly on the slot's start
   * (a period starting there counts that slot; one starting a millisecond later does not).
   */
  static long[] periods(Instant seriesFrom, Instant[] froms, Instant to) {
    long[] key = new long[froms.length + 2];
    key[0] = seriesFrom.toEpochMilli();
    key[1] = slotKey(to);
    for (int i = 0; i < froms.length; i++) key[i + 2] = slotKey(froms[i]);
    return key;
  }

  private static long slotKey(Instant t) {
    long ms = t.toEpochMilli();
    return Math.floorDiv(ms, FIVE_MINUTES) * 2 + (Math.floorMod(ms, FIVE_MINUTES) == 0 ? 0 : 1);
  }

  private static Set<String> meters(Connection c) throws SQLException {
    Set<String> out = new HashSet<>();
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT code FROM parameters WHERE kind = 'meter'")) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  /** The daily slot masks of the last {@value #DAYS} days, of all stations or of {@code only}. */
  private static void readDays(
      Connection c, Instant now, Set<String> only, Set<String> meters, Map<String, Station> into)
      throws SQLException {
    LocalDate from = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(DAYS - 1);
    try (var ps =
        c.prepareStatement(
            "SELECT s.code, p.code, d.day - date '1970-01-01', d.valid_slots::text"
                + " FROM readings_daily d JOIN stations s ON s.id = d.station_id"
                + " JOIN parameters p ON p.id = d.parameter_id WHERE d.day >= ?"
                + (only == null ? "" : " AND s.code = ANY (?)"))) {
      ps.setObject(1, from);
      if (only != null) ps.setArray(2, c.createArrayOf("text", only.toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          if (meters.contains(rs.getString(2))) continue;
          Slots s =
              into.computeIfAbsent(rs.getString(1), k -> new Station())
                  .parameters
                  .computeIfAbsent(rs.getString(2), k -> new Slots());
          long dayStart = rs.getLong(3) * 86_400_000L;
          s.seen(dayStart);
          SlotMasks.forEachSlot(dayStart, rs.getString(4), s::setValid);
        }
      }
    }
  }
}

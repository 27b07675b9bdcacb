package io.outfall.ingest.dashboards;

import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.registry.SamplingPlans;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * The regulator's overview: every registered cluster, its treatment plants (sites) and their
 * monitoring stations, each with its compliance state now, hours in breach and data completeness
 * over 24 h and 30 days, the worst offenders, and headline counts that say what they count.
 *
 * <p>What a regulator counts: a station is compliant only when it has a permit, reports, and has no
 * open breach; "no permit", "no data" and "not yet built" are states of their own and never
 * compliant. A plant is judged by its stations; a cluster by its operating plants, and a cluster
 * that needs a central treatment plant and has none operating is "not yet built". Sites that no
 * registered cluster holds are shown each as a cluster of its own ({@code registered: false}), as
 * before the registry existed.
 *
 * <p>Completeness is counted per parameter in the slots of the station's sampling plan ({@link
 * SamplingPlans}, {@link Completeness}); a station is silent after twice its longest planned
 * interval, and never sooner than {@link #SILENT_AFTER}. Reads the aggregates and the alerts, never
 * the raw readings' history. Blocking JDBC: call from worker threads only.
 *
 * <p>Between answers it keeps what changes seldom: the registry and the alerts ({@link Frame}), and
 * each station's row ({@link Kept}), computed again only when the station reported, fell silent, or
 * the frame or the five-minute slot counted in changed; hours in breach, which move with the clock,
 * are counted for every answer. In the ingest, {@link OverviewKeeper} brings all of it up to date
 * in the background as announcements arrive ({@link #keep}), so that an answer finds little to do.
 */
public final class Overview implements AutoCloseable {
  /** The shortest silence after which a station counts as not reporting (the stale alert's). */
  static final Duration SILENT_AFTER = Duration.ofMinutes(30);

  /** States, worst first: an element's state is the worst of its parts'. */
  public enum State {
    /** A compliance alert (breach of the permit) is open. */
    BREACH,
    /** The station reports but no permit says what it is held to: it cannot be judged. */
    NO_PERMIT,
    /** Nothing reported for twice the longest planned interval (or at all). */
    NO_DATA,
    /** The plant is planned or under construction; a cluster has no operating plant it needs. */
    NOT_BUILT,
    /** Data flows and no breach is open, but a data-quality alert is (fault, flat line...). */
    DATA_ISSUE,
    COMPLIANT,
    /** A cluster whose factories each treat their own water: no central plant to count. */
    NOT_REQUIRED;

    public boolean compliant() {
      return this == COMPLIANT || this == DATA_ISSUE;
    }

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public record OpenAlert(
      long id, String kind, String family, String parameter, String band, Instant startedAt) {}

  /** A monitoring station. */
  public record Station(
      String station,
      String name,
      String site,
      String siteName,
      boolean permit,
      State state,
      Instant lastReading,
      Duration silentAfter,
      List<OpenAlert> openAlerts,
      double breachHours24h,
      double breachHours30d,
      Double completeness24h,
      Double completeness30d) {
    /** This row with other hours in breach (they move with the clock; the rest does not). */
    Station withBreachHours(double hours24h, double hours30d) {
      if (hours24h == breachHours24h && hours30d == breachHours30d) return this;
      return new Station(
          station,
          name,
          site,
          siteName,
          permit,
          state,
          lastReading,
          silentAfter,
          openAlerts,
          hours24h,
          hours30d,
          completeness24h,
          completeness30d);
    }
  }

  /** A treatment plant (a site, as gateways name it): {@code status} operating or not yet. */
  public record Plant(
      String site, String name, String status, State state, List<Station> stations) {}

  /** A cluster; {@code registered} false for a site no registered cluster holds. */
  public record Cluster(
      String code,
      String name,
      String kind,
      String district,
      String treatment,
      boolean registered,
      State state,
      List<Plant> plants) {}

  /**
   * One headline figure: {@code compliant} of {@code counted} (those not excluded by their state),
   * and how many are in each state.
   */
  public record Count(int total, int counted, int compliant, Map<State, Integer> byState) {
    public Double share() {
      return counted == 0 ? null : compliant / (double) counted;
    }
  }

  public record Result(
      Instant at,
      List<Cluster> clusters,
      Count clusterCount,
      Count plantCount,
      Count stationCount,
      List<Station> worst) {}

  private record SiteRow(int id, String code, String name, String status, Integer clusterId) {}

  private record StationRow(int id, String code, String name, int siteId) {}

  private record ClusterRow(
      int id, String code, String name, String kind, String district, String treatment) {}

  /**
   * What the overview reads of the registry and the alerts, kept between requests: it changes
   * seldom, and reading it at every request (seven queries) was half of an answer's time under a
   * province's live load (bench-fleet, 2026-12-01). {@code changes} and {@code alertChanges} are
   * {@link ReportingState#otherChanges} and {@link ReportingState#alertChanges} when it was read;
   * {@code stationIndex} each station's place in {@code stations}; {@code breaches} the compliance
   * alerts' spans of the last {@link #BREACH_SPANS} from {@code loadedAt}.
   */
  private record Frame(
      long changes,
      long alertChanges,
      Instant loadedAt,
      List<ClusterRow> clusters,
      List<SiteRow> sites,
      List<StationRow> stations,
      Map<String, Integer> stationIndex,
      Set<String> permitted,
      Map<String, List<OpenAlert>> open,
      Map<String, List<BreachHours.Span>> breaches) {

    /** This frame with the alerts read again, and the registry's part as it is. */
    Frame withAlerts(
        long alertChanges,
        Map<String, List<OpenAlert>> open,
        Map<String, List<BreachHours.Span>> breaches) {
      return new Frame(
          changes,
          alertChanges,
          loadedAt,
          clusters,
          sites,
          stations,
          stationIndex,
          permitted,
          open,
          breaches);
    }
  }

  /**
   * The longest a frame is kept without an announcement: a change made by hand in the database
   * announces nothing, and shows within this.
   */
  public static final Duration FRAME_MAX_AGE = Duration.ofMinutes(1);

  /** The spans a frame keeps: the thirty days the overview counts and the frame's age at most. */
  private static final Duration BREACH_SPANS = Duration.ofDays(30).plus(FRAME_MAX_AGE);

  /**
   * A station's row as an answer computed it, with the plan it was counted in. It holds for a later
   * answer while the frame and the periods counted in are the same ({@link #keptFrame}, {@link
   * #keptPeriods}), the station reported nothing new ({@link ReportingState#takeChanged}) and it is
   * as silent or not as it was: nothing else in it moves with the clock but its hours in breach,
   * counted for every answer. Its plan is asked for again after {@link #PLAN_RECHECK}.
   */
  private record Kept(Station station, SamplingPlan plan, Instant computedAt) {
    /** Whether the station is as silent, or not, at {@code now} as when its row was computed. */
    boolean sameSilence(Instant now) {
      return silent(station.lastReading(), station.silentAfter(), now)
          == silent(station.lastReading(), station.silentAfter(), computedAt);
    }

    boolean planDue(Instant now) {
      return !now.isBefore(computedAt.plus(PLAN_RECHECK));
    }
  }

  /**
   * How long a kept row goes without asking {@link SamplingPlans} whether its station's plan
   * changed: asking for every station at every answer was a quarter of what was left of an answer's
   * time once rows were kept, while a plan is measured again every ten minutes at most.
   */
  static final Duration PLAN_RECHECK = Duration.ofSeconds(10);

  /** Guards {@link #kept}, {@link #keptFrame} and {@link #keptPeriods}. */
  private final Object keeping = new Object();

  /**
   * Rows kept between answers, in the order of {@link #keptFrame}'s stations: with a thousand
   * plants, computing every row for every answer was most of the overview's time under a province's
   * live load (JFR, bench-fleet, 2026-12-02), while a tenth of the stations report between two
   * answers a second apart.
   */
  private Kept[] kept = new Kept[0];

  private Frame keptFrame;
  private long[] keptPeriods;

  private final DataSource ds;
  private final SamplingPlans plans;
  private final ReportingState reported;
  private volatile Frame frame;
  private final AtomicLong frameLoads = new AtomicLong();
  private final AtomicLong alertLoads = new AtomicLong();
  private final AtomicLong rowsComputed = new AtomicLong();

  /** Guards reading {@link #frame}: one reader at a time, so that none undoes another's. */
  private final Object framing = new Object();

  /** Starts following what stations report (a connection of its own); close to stop. */
  public Overview(DataSource ds, SamplingPlans plans) {
    this.ds = ds;
    this.plans = plans;
    this.reported = new ReportingState(ds);
  }

  /** Whether it is following the writers' announcements (else each answer loads everything). */
  public boolean followsTheWriters() {
    return reported.listening();
  }

  @Override
  public void close() throws InterruptedException {
    reported.close();
  }

  /**
   * Brings what the overview keeps (the frame, every station's row, the plans and reporting state
   * they come from) up to {@code now}, as an answer would, without answering: what {@link
   * OverviewKeeper} runs in the background so that answers find the work done.
   */
  void keep(Instant now) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      stationsAt(c, caughtUp(c, now), now);
    }
  }

  /** Whether {@link #keep} at {@code now} would count other periods than the rows kept were. */
  boolean periodsMoved(Instant now) {
    long[] periods = Periods.at(now).key();
    synchronized (keeping) {
      return !Arrays.equals(keptPeriods, periods);
    }
  }

  /**
   * Announcements heard so far (readings, alerts, the registry, permits, and starts and stops of
   * listening): when this has not moved, nothing the overview keeps has changed but with the clock.
   */
  long heard() {
    return reported.heard();
  }

  /** How many station rows were computed so far (not kept from an earlier answer). */
  public long rowsComputed() {
    return rowsComputed.get();
  }

  /** The frame at {@code now}, after the reporting state caught up with the database. */
  private Frame caughtUp(Connection c, Instant now) throws SQLException {
    reported.catchUp(c, now); // first: what follows is at least as fresh
    return frame(c, now);
  }

  public Result at(Instant now) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      Frame f = caughtUp(c, now);
      List<ClusterRow> clusterRows = f.clusters();
      List<SiteRow> siteRows = f.sites();
      List<StationRow> stationRows = f.stations();

      List<Station> all = stationsAt(c, f, now);
      Map<Integer, List<Station>> bySite = new HashMap<>();
      for (int i = 0; i < stationRows.size(); i++)
        bySite.computeIfAbsent(stationRows.get(i).siteId(), k -> new ArrayList<>()).add(all.get(i));

      Map<Integer, List<Plant>> byCluster = new LinkedHashMap<>();
      List<Cluster> clusters = new ArrayList<>();
      List<Plant> plants = new ArrayList<>();
      for (SiteRow s : siteRows) {
        List<Station> stations = bySite.getOrDefault(s.id(), List.of());
        State state;
        if (!s.status().equals("operating")) state = State.NOT_BUILT;
        else if (stations.isEmpty()) state = State.NO_DATA; // registered, nothing set up to report
        else state = worst(stations, Station::state);
        Plant p = new Plant(s.code(), s.name(), s.status(), state, stations);
        plants.add(p);
        if (s.clusterId() != null) {
          byCluster.computeIfAbsent(s.clusterId(), k -> new ArrayList<>()).add(p);
        } else {
          clusters.add(
              new Cluster(
                  s.code(),
                  s.name(),
                  null,
                  null,
                  null,
                  false,
                  clusterState(List.of(p), null),
                  List.of(p)));
        }
      }
      List<Cluster> registered = new ArrayList<>();
      for (ClusterRow r : clusterRows) {
        List<Plant> ps = byCluster.getOrDefault(r.id(), List.of());
        registered.add(
            new Cluster(
                r.code(),
                r.name(),
                r.kind(),
                r.district(),
                r.treatment(),
                true,
                clusterState(ps, r.treatment()),
                ps));
      }
      registered.addAll(clusters);

      List<Station> worst =
          all.stream()
              .filter(p -> p.breachHours30d() > 0 || p.state() == State.BREACH)
              .sorted(
                  Comparator.comparingDouble(Station::breachHours30d)
                      .thenComparingDouble(Station::breachHours24h)
                      .reversed())
              .limit(5)
              .toList();
      return new Result(
          now,
          registered,
          count(registered, Cluster::state),
          count(plants, Plant::state),
          count(all, Station::state),
          worst);
    }
  }

  /**
   * Every station of frame {@code f} at {@code now}, in the frame's order: the rows kept from
   * earlier answers where they still hold ({@link Kept}), the others computed again and kept.
   */
  private List<Station> stationsAt(Connection c, Frame f, Instant now) throws SQLException {
    Periods counted = Periods.at(now);
    Instant day = counted.froms()[0];
    Instant month = counted.froms()[1];
    long[] periods = counted.key();
    Map<Integer, SiteRow> sitesById = new HashMap<>();
    f.sites().forEach(s -> sitesById.put(s.id(), s));
    // hours in breach move with the clock: counted afresh for the few stations with spans
    Map<String, Double> breach24 = BreachHours.byStation(f.breaches(), day, now);
    Map<String, Double> breach30 = BreachHours.byStation(f.breaches(), month, now);
    List<Station> out = new ArrayList<>(f.stations().size());
    synchronized (keeping) {
      // taken and applied under the same lock as the rows are kept: an answer never finds a row
      // whose change another answer has taken but not yet computed again
      Set<String> changed = reported.takeChanged();
      if (keptFrame == null
          || keptFrame.stations() != f.stations() // the registry was read again
          || !Arrays.equals(keptPeriods, periods)
          || changed == null) kept = new Kept[f.stations().size()];
      else {
        if (keptFrame != f) { // the alerts alone were read again: the rows whose alerts differ
          for (int i = 0; i < kept.length; i++) {
            String code = f.stations().get(i).code();
            if (!Objects.equals(keptFrame.open().get(code), f.open().get(code))) kept[i] = null;
          }
        }
        for (String code : changed) {
          Integer i = f.stationIndex().get(code);
          if (i != null) kept[i] = null;
        }
      }
      keptFrame = f;
      keptPeriods = periods;
      // the plans not known yet in one go (after a start, or when a province's stations appear)
      plans.prefetch(c, f.stationIndex().keySet(), now);
      for (int i = 0; i < kept.length; i++) {
        StationRow row = f.stations().get(i);
        Kept k = kept[i];
        boolean holds = k != null && k.sameSilence(now);
        if (!holds || k.planDue(now)) {
          SamplingPlan plan = plans.cached(c, row.code(), now);
          if (holds && k.plan().equals(plan))
            k = new Kept(k.station(), plan, now); // only its plan was due to be asked again
          else {
            ReportingState.Shares shares =
                reported.shares(row.code(), counted.seriesFrom(), counted.froms(), now, plan);
            Station st =
                station(
                    row,
                    sitesById.get(row.siteId()),
                    f,
                    shares,
                    plan.staleAfter(SILENT_AFTER, shares.parameters()),
                    reported.last(row.code()),
                    now);
            k = new Kept(st, plan, now);
            rowsComputed.incrementAndGet();
          }
          kept[i] = k;
        }
        Station st = k.station();
        if (f.breaches().containsKey(row.code()))
          st =
              st.withBreachHours(
                  breach24.getOrDefault(row.code(), 0.0), breach30.getOrDefault(row.code(), 0.0));
        out.add(st);
      }
    }
    return out;
  }

  /**
   * What a station's completeness is counted over at {@code now}: the last 24 hours and 30 days
   * ({@code froms}), the series read from the hour before the month, and their {@link
   * ReportingState#periods} key, which says whether rows counted at another moment still hold.
   */
  private record Periods(Instant seriesFrom, Instant[] froms, long[] key) {
    static Periods at(Instant now) {
      Instant month = now.minus(Duration.ofDays(30));
      Instant seriesFrom = month.truncatedTo(ChronoUnit.HOURS);
      Instant[] froms = {now.minus(Duration.ofHours(24)), month};
      return new Periods(seriesFrom, froms, ReportingState.periods(seriesFrom, froms, now));
    }
  }

  /** A station's row, its hours in breach left at zero ({@link Station#withBreachHours}). */
  private static Station station(
      StationRow row,
      SiteRow site,
      Frame f,
      ReportingState.Shares shares,
      Duration silentAfter,
      Instant lastReading,
      Instant now) {
    List<OpenAlert> alerts = f.open().getOrDefault(row.code(), List.of());
    boolean permit = f.permitted().contains(row.code());
    State state;
    if (alerts.stream().anyMatch(a -> a.family().equals("compliance"))) state = State.BREACH;
    else if (!permit) state = State.NO_PERMIT;
    else if (silent(lastReading, silentAfter, now)) state = State.NO_DATA;
    else if (alerts.stream().anyMatch(a -> a.family().equals("data_quality")))
      state = State.DATA_ISSUE;
    else state = State.COMPLIANT;
    return new Station(
        row.code(),
        row.name(),
        site.code(),
        site.name(),
        permit,
        state,
        lastReading,
        silentAfter,
        alerts,
        0.0,
        0.0,
        shares.byPeriod()[0].value(),
        shares.byPeriod()[1].value());
  }

  /** Whether a station whose newest reading is {@code last} is silent at {@code now}. */
  private static boolean silent(Instant last, Duration silentAfter, Instant now) {
    return last == null || last.isBefore(now.minus(silentAfter));
  }

  /**
   * The frame kept, or a new one when an announcement since says it may have changed (counted by
   * {@link ReportingState}, whose {@code catchUp} came first: every change committed before this
   * request is counted), when the announcements are not followed, or when it is older than {@link
   * #FRAME_MAX_AGE}. The count is read before loading: a change committed during the load makes the
   * next request load again.
   */
  private Frame frame(Connection c, Instant now) throws SQLException {
    synchronized (framing) {
      // counted before reading: a change announced meanwhile makes the next answer read again
      long changes = reported.otherChanges();
      long alertChanges = reported.alertChanges();
      Frame f = frame;
      if (f != null
          && reported.listening()
          && f.changes() == changes
          && !now.isBefore(f.loadedAt())
          && now.isBefore(f.loadedAt().plus(FRAME_MAX_AGE))) {
        if (f.alertChanges() == alertChanges) return f;
        // taken after counting, so it names every station counted (and perhaps a few more)
        f = withAlertsOf(c, f, alertChanges, reported.takeAlerted());
        alertLoads.incrementAndGet();
      } else {
        reported.takeAlerted(); // all read below
        f = loadFrame(c, now, changes, alertChanges);
      }
      frameLoads.incrementAndGet();
      frame = f;
      return f;
    }
  }

  /**
   * {@code f} with the alerts of the stations {@code alerted} (null: of every station) read again,
   * and the registry's part as it is. Alerts change in bursts when a province's readings resume (a
   * hundred announcements in a few seconds in bench-fleet): reading the registry and every alert
   * again at each made those answers a province's slowest (17-90 ms, 2026-12-03).
   */
  private static Frame withAlertsOf(Connection c, Frame f, long alertChanges, Set<String> alerted)
      throws SQLException {
    Instant from = f.loadedAt().minus(BREACH_SPANS);
    Instant to = f.loadedAt().plus(FRAME_MAX_AGE);
    return f.withAlerts(
        alertChanges,
        replaced(f.open(), alerted, openAlerts(c, alerted)),
        replaced(f.breaches(), alerted, BreachHours.spans(c, alerted, from, to)));
  }

  /**
   * {@code kept} with the entries of {@code stations} those {@code read} (none if absent); all of
   * {@code read} when {@code stations} is null (every station was read).
   */
  private static <V> Map<String, List<V>> replaced(
      Map<String, List<V>> kept, Set<String> stations, Map<String, List<V>> read) {
    if (stations == null) return read;
    Map<String, List<V>> out = new HashMap<>(kept);
    out.keySet().removeAll(stations);
    out.putAll(read);
    return out;
  }

  private Frame loadFrame(Connection c, Instant now, long changes, long alertChanges)
      throws SQLException {
    List<StationRow> stations = stations(c);
    Map<String, Integer> stationIndex = new HashMap<>();
    for (int i = 0; i < stations.size(); i++) stationIndex.put(stations.get(i).code(), i);
    return new Frame(
        changes,
        alertChanges,
        now,
        clusters(c),
        sites(c),
        stations,
        stationIndex,
        permitted(c),
        openAlerts(c, null),
        BreachHours.spans(c, null, now.minus(BREACH_SPANS), now.plus(FRAME_MAX_AGE)));
  }

  /** How many times the registry and alerts, or the alerts alone, were read ({@link Frame}). */
  public long frameLoads() {
    return frameLoads.get();
  }

  /** How many of {@link #frameLoads} read the alerts alone (nothing else was announced). */
  public long alertLoads() {
    return alertLoads.get();
  }

  /**
   * The part of an overview about some plants only (an operator's own sites): their clusters with
   * only those plants, each cluster's state and every headline figure judged on that part alone, so
   * that nothing about another plant shows through.
   */
  public static Result within(Result all, Predicate<String> site) {
    List<Cluster> clusters = new ArrayList<>();
    List<Plant> plants = new ArrayList<>();
    List<Station> stations = new ArrayList<>();
    for (Cluster c : all.clusters()) {
      List<Plant> own = c.plants().stream().filter(p -> site.test(p.site())).toList();
      if (own.isEmpty()) continue;
      clusters.add(
          new Cluster(
              c.code(),
              c.name(),
              c.kind(),
              c.district(),
              c.treatment(),
              c.registered(),
              clusterState(own, c.treatment()),
              own));
      plants.addAll(own);
      own.forEach(p -> stations.addAll(p.stations()));
    }
    return new Result(
        all.at(),
        clusters,
        count(clusters, Cluster::state),
        count(plants, Plant::state),
        count(stations, Station::state),
        all.worst().stream().filter(st -> site.test(st.site())).toList());
  }

  /**
   * A cluster's state: that of its operating plants (the worst); with none operating, not yet
   * built, unless no central plant is required.
   */
  private static State clusterState(List<Plant> plants, String treatment) {
    State worst = null; // a loop, not a stream: asked of a thousand clusters at every answer
    for (Plant p : plants)
      if (p.status().equals("operating") && (worst == null || p.state().compareTo(worst) < 0))
        worst = p.state();
    if (worst != null) return worst;
    if ("not_required".equals(treatment) && plants.isEmpty()) return State.NOT_REQUIRED;
    return State.NOT_BUILT;
  }

  private static <T> State worst(List<T> items, Function<T, State> state) {
    State w = State.NOT_REQUIRED;
    for (T t : items) if (state.apply(t).ordinal() < w.ordinal()) w = state.apply(t);
    return w;
  }

  /** Everything is counted but what needs no plant. */
  private static <T> Count count(List<T> items, Function<T, State> state) {
    Map<State, Integer> by = new EnumMap<>(State.class);
    int counted = 0;
    int compliant = 0;
    for (T t : items) {
      State s = state.apply(t);
      by.merge(s, 1, Integer::sum);
      if (s == State.NOT_REQUIRED) continue;
      counted++;
      if (s.compliant()) compliant++;
    }
    return new Count(items.size(), counted, compliant, by);
  }

  private static List<ClusterRow> clusters(Connection c) throws SQLException {
    List<ClusterRow> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT id, code, name, kind, district, treatment FROM clusters ORDER BY code")) {
      while (rs.next())
        out.add(
            new ClusterRow(
                rs.getInt(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6)));
    }
    return out;
  }

  private static List<SiteRow> sites(Connection c) throws SQLException {
    List<SiteRow> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery("SELECT id, code, name, status, cluster_id FROM sites ORDER BY code")) {
      while (rs.next())
        out.add(
            new SiteRow(
                rs.getInt(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                (Integer) rs.getObject(5)));
    }
    return out;
  }

  private static List<StationRow> stations(Connection c) throws SQLException {
    List<StationRow> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT id, code, name, site_id FROM stations ORDER BY code")) {
      while (rs.next())
        out.add(new StationRow(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
    }
    return out;
  }

  private static Set<String> permitted(Connection c) throws SQLException {
    Set<String> out = new HashSet<>();
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT DISTINCT station FROM permits")) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  private static Map<String, List<OpenAlert>> openAlerts(Connection c, Set<String> only)
      throws SQLException {
    Map<String, List<OpenAlert>> out = new HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT id, station, kind, family, parameter, band, started_at FROM alerts"
                + " WHERE state <> 'resolved' AND family <> 'warning'"
                + (only == null ? "" : " AND station = ANY (?)")
                + " ORDER BY started_at")) {
      if (only != null) ps.setArray(1, c.createArrayOf("text", only.toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
              .add(
                  new OpenAlert(
                      rs.getLong(1),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getString(6),
                      rs.getTimestamp(7).toInstant()));
      }
    }
    return out;
  }

  /**
   * Newest reading (epoch ms) of each station that reported since {@code since}, of all or of
   * {@code only}, by index probes.
   */
  static Map<String, Long> lastReadings(Connection c, Instant since, Set<String> only)
      throws SQLException {
    String sql =
        "SELECT s.code, (extract(epoch FROM max(l.ts)) * 1000)::bigint FROM (SELECT DISTINCT"
            + " station_id, parameter_id FROM readings_hourly"
            + " WHERE hour >= date_trunc('hour', ?::timestamptz, 'UTC')) k"
            + " JOIN stations s ON s.id = k.station_id"
            + (only == null ? "" : " AND s.code = ANY (?)")
            + " CROSS JOIN LATERAL (SELECT ts FROM readings r WHERE r.station_id = k.station_id"
            + "   AND r.parameter_id = k.parameter_id ORDER BY ts DESC LIMIT 1) l"
            + " GROUP BY s.code";
    Map<String, Long> out = new HashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(since));
      if (only != null) ps.setArray(2, c.createArrayOf("text", only.toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
      }
    }
    return out;
  }
}

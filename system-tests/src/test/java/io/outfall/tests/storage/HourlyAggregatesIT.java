package io.outfall.tests.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.alerts.PermitStore;
import io.outfall.ingest.dashboards.Overview;
import io.outfall.ingest.dashboards.OverviewKeeper;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.FollowerBacklog;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.ingest.registry.SamplingPlans;
import io.outfall.ingest.storage.Database;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The hourly aggregates stay exactly what a recomputation from the readings gives, while two
 * writers (as two ingest instances) store the same messages at once, replays included, in shuffled
 * order; and bucketed series that read them agree with the raw readings, ragged ends included.
 */
// CI runs it on the embedded stack too: plain PostgreSQL, where readings are no hypertable
@Tag("demo-stack")
class HourlyAggregatesIT {
  static Database db;
  static final Instant H0 = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
  static final short[] PARAMS = {5, 6, 8}; // TSS, COD, NH4_N

  @BeforeAll
  static void open() throws Exception {
    TestServices s = TestServices.get();
    db =
        Database.open(
            s.newDatabase("hourly"), s.dbUser(), s.dbPassword(), 6, Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void concurrentWritersAndReplaysKeepTheAggregatesExact() throws Exception {
    Random random = new Random(42);
    List<Inbound.Row> rows = new ArrayList<>();
    for (long t = H0.toEpochMilli(); t < H0.plus(Duration.ofHours(5)).toEpochMilli(); t += 20_000)
      for (short p : PARAMS)
        rows.add(
            new Inbound.Row(
                "IT-HOURLY-OUT",
                p,
                t,
                random.nextDouble() * 100,
                (short) (random.nextInt(10) < 8 ? 0 : random.nextInt(3))));
    Collections.shuffle(rows, random);
    List<List<Inbound.Row>> messages = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += 97)
      messages.add(rows.subList(i, Math.min(rows.size(), i + 97)));

    AtomicInteger acked = new AtomicInteger();
    ReadingWriter a = writer(true);
    ReadingWriter b = writer(false);
    int submitted = 0;
    try {
      for (int i = 0; i < messages.size(); i++) {
        // every message to one writer, every third to both at once (a redelivery racing the
        // original), and every fifth once more later (a replay)
        (i % 2 == 0 ? a : b).submit(inbound(messages.get(i), acked));
        submitted++;
        if (i % 3 == 0) {
          (i % 2 == 0 ? b : a).submit(inbound(messages.get(i), acked));
          submitted++;
        }
        if (i % 5 == 0 && i > 0) {
          a.submit(inbound(messages.get(i - 1), acked));
          submitted++;
        }
      }
      int expected = submitted;
      await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() == expected);
    } finally {
      a.close();
      b.close();
    }

    try (var c = db.dataSource().getConnection();
        var st = c.createStatement()) {
      try (var rs = st.executeQuery("SELECT count(*) FROM readings")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(rows.size());
      }
    }
    // every hour of the 5 and each parameter, each as a recomputation from the readings gives it
    assertThat(hoursAgainstRecomputation(db)).containsExactly(5 * PARAMS.length, 0);

    // The daily slot masks are the hourly ones side by side, and the overview's completeness (daily
    // rows for whole days, hourly rows for the rest) equals a count of valid 5-minute slots in the
    // readings themselves, each parameter's window starting at the slot of its first valid reading.
    try (var c = db.dataSource().getConnection();
        var st = c.createStatement()) {
      try (var rs =
          st.executeQuery(
              "SELECT count(*), count(*) FILTER (WHERE d.day IS NULL OR r.day IS NULL"
                  + " OR d.valid_slots <> r.valid_slots OR d.first_hour <> r.first_hour)"
                  + " FROM readings_daily d FULL JOIN (SELECT station_id, parameter_id,"
                  + " (hour AT TIME ZONE 'UTC')::date AS day, bit_or(valid_slots::bit(288)"
                  + " << (12 * extract(hour FROM hour AT TIME ZONE 'UTC')::int)) AS valid_slots,"
                  + " min(hour) AS first_hour FROM readings_hourly GROUP BY 1, 2, 3) r"
                  + " USING (station_id, parameter_id, day)")) {
        rs.next();
        assertThat(rs.getInt(1)).as("days").isPositive();
        assertThat(rs.getInt(2)).as("days that differ from the hours").isZero();
      }
      Instant now = Instant.now();
      Instant month = now.minus(Duration.ofDays(30));
      Instant monthHour = month.truncatedTo(ChronoUnit.HOURS);
      long set = 0;
      long expected = 0;
      try (var rs =
          st.executeQuery(
              "SELECT parameter_id,"
                  + " min(date_bin('5 minutes', ts, timestamptz '2000-01-01')) FILTER (WHERE status = 0),"
                  + " count(DISTINCT date_bin('5 minutes', ts, timestamptz '2000-01-01'))"
                  + " FILTER (WHERE status = 0) FROM readings GROUP BY 1")) {
        while (rs.next()) {
          Instant first = rs.getTimestamp(2).toInstant();
          set += rs.getLong(3);
          expected +=
              Duration.between(first.isAfter(monthHour) ? first : monthHour, now).toMinutes() / 5;
        }
      }
      Overview.Station station;
      try (Overview overview = new Overview(db.dataSource(), new SamplingPlans())) {
        station = overview.at(now).clusters().get(0).plants().get(0).stations().get(0);
      }
      assertThat(station.completeness30d()).isCloseTo(set / (double) expected, within(1e-9));
      assertThat(station.completeness24h()).isEqualTo(0.0); // silent for the last 24 hours
    }

    // Each station-parameter's span is its first and last reading, however the batches that
    // widened it were ordered, raced and replayed; the station list shows the widest.
    assertThat(spansAgainstReadings(db).get(1)).as("spans that differ from the readings").isZero();
    var queries = new ReadingQueries(db.dataSource());
    ReadingQueries.Station listed =
        queries.stations(null, 100, 0).stream()
            .filter(st -> st.code().equals("IT-HOURLY-OUT"))
            .findFirst()
            .orElseThrow();
    assertThat(listed.firstReading()).isEqualTo(H0);
    assertThat(listed.lastReading())
        .isEqualTo(H0.plus(Duration.ofHours(5)).minus(Duration.ofSeconds(20)));

    // Raw readings of several parameters in one statement: each parameter its own limit, oldest
    // first, in the order asked for. An hour at one reading every 20 s is 180 of each.
    int station = queries.stationId("IT-HOURLY-OUT");
    Instant hourLater = H0.plus(Duration.ofHours(1));
    var limited = queries.raw(station, List.of((short) 8, (short) 5), H0, hourLater, 100);
    assertThat(limited.keySet()).containsExactly((short) 8, (short) 5);
    for (var points : limited.values()) {
      assertThat(points).hasSize(100);
      assertThat(points.get(0).ts()).isEqualTo(H0);
      assertThat(points.get(99).ts()).isEqualTo(H0.plus(Duration.ofSeconds(99 * 20)));
    }
    var whole = queries.raw(station, List.of((short) 5, (short) 6), H0, hourLater, 1_000);
    assertThat(whole.get((short) 5)).hasSize(180);
    assertThat(whole.get((short) 6)).hasSize(180);
    assertThat(whole.get((short) 6).get(179).ts()).isEqualTo(hourLater.minusSeconds(20));

    // Hourly buckets over a ragged range read the aggregates for whole hours and the readings for
    // the ends; they must equal buckets computed from the readings alone.
    Instant from = H0.plus(Duration.ofMinutes(17));
    Instant to = H0.plus(Duration.ofHours(4)).plus(Duration.ofMinutes(23));
    Instant origin = H0.truncatedTo(ChronoUnit.DAYS);
    Map<Short, List<ReadingQueries.Bucket>> series =
        queries.buckets(
            station,
            List.of((short) 5, (short) 6, (short) 8),
            from,
            to,
            Duration.ofHours(1),
            origin);
    for (short p : PARAMS) {
      List<ReadingQueries.Bucket> got = series.get(p);
      assertThat(got).hasSize(5);
      try (var c = db.dataSource().getConnection();
          var ps =
              c.prepareStatement(
                  "SELECT date_bin('1 hour', ts, ?) b, avg(value) FILTER (WHERE status = 0),"
                      + " min(value) FILTER (WHERE status = 0), max(value) FILTER (WHERE status = 0), count(*),"
                      + " count(*) FILTER (WHERE status = 0), count(*) FILTER (WHERE status = 1), count(*) FILTER (WHERE status = 2)"
                      + " FROM readings WHERE station_id = ? AND parameter_id = ? AND ts >= ? AND ts < ? GROUP BY 1 ORDER BY 1")) {
        ps.setTimestamp(1, Timestamp.from(origin));
        ps.setInt(2, station);
        ps.setShort(3, p);
        ps.setTimestamp(4, Timestamp.from(from));
        ps.setTimestamp(5, Timestamp.from(to));
        try (var rs = ps.executeQuery()) {
          for (ReadingQueries.Bucket bucket : got) {
            assertThat(rs.next()).isTrue();
            assertThat(bucket.start()).isEqualTo(rs.getTimestamp(1).toInstant());
            assertThat(bucket.mean()).isCloseTo(rs.getDouble(2), within(1e-9));
            assertThat(bucket.min()).isEqualTo(rs.getDouble(3));
            assertThat(bucket.max()).isEqualTo(rs.getDouble(4));
            assertThat(bucket.count()).isEqualTo(rs.getInt(5));
            assertThat(bucket.valid()).isEqualTo(rs.getInt(6));
            assertThat(bucket.calibrating()).isEqualTo(rs.getInt(7));
            assertThat(bucket.fault()).isEqualTo(rs.getInt(8));
          }
          assertThat(rs.next()).isFalse();
        }
      }
    }
  }

  /**
   * The overview keeps what it reads of the registry and the alerts between answers, and reads it
   * again as soon as a change is committed and announced: a station registered by its first
   * reading, a breach opened, its band changing, its resolution, a permit. A change made by hand in
   * the database announces nothing and shows within a minute.
   */
  @Test
  void theOverviewKeepsTheRegistryAndAlertsUntilAChangeIsAnnounced() throws Exception {
    AlertStore alerts = new AlertStore(Set.of(), List.of());
    try (Followed fixture = Followed.open("overview_frame")) {
      Database follow = fixture.db();
      Overview overview = fixture.overview();
      AtomicInteger acked = new AtomicInteger();
      ReadingWriter w = writer(follow, false);
      Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
      try {
        store(w, List.of(rowsOf("IT-FRAME-A", now)), acked);
        assertThat(frameStation(overview, "IT-FRAME-A").state())
            .isEqualTo(Overview.State.NO_PERMIT);
        long loads = overview.frameLoads();
        overview.at(Instant.now());
        assertThat(overview.frameLoads()).as("nothing announced: kept").isEqualTo(loads);

        store(w, List.of(rowsOf("IT-FRAME-B", now)), acked); // registered by its first reading
        assertThat(frameStation(overview, "IT-FRAME-B").station()).isEqualTo("IT-FRAME-B");
        assertThat(overview.frameLoads()).isEqualTo(loads + 1);
      } finally {
        w.close();
      }

      Instant start = now.minus(Duration.ofHours(3));
      Episode breach =
          new Episode(
              Episode.Kind.BREACH, "IT-FRAME-A", "COD", start, null, 300.0, COD_LIMIT, null);
      long loads = overview.frameLoads();
      long alertLoads = overview.alertLoads();
      inTransaction(follow, c -> alerts.opened(c, breach, "QCVN 40:2011/BTNMT column B"));
      Overview.Station a = frameStation(overview, "IT-FRAME-A");
      assertThat(a.state()).isEqualTo(Overview.State.BREACH);
      assertThat(overview.alertLoads())
          .as("an alert announced: the alerts read")
          .isEqualTo(alertLoads + 1);
      assertThat(overview.frameLoads()).as("and nothing else").isEqualTo(loads + 1);
      assertThat(a.openAlerts()).singleElement().extracting(Overview.OpenAlert::band).isNull();

      inTransaction(
          follow,
          c -> {
            alerts.breachWindow(
                c,
                new WindowResult(
                    "IT-FRAME-A",
                    "COD",
                    start,
                    start.plusSeconds(3600),
                    750.0,
                    60,
                    60,
                    COD_LIMIT,
                    WindowResult.Verdict.BREACH,
                    5.0,
                    "5",
                    null));
            return null;
          });
      assertThat(frameStation(overview, "IT-FRAME-A").openAlerts())
          .singleElement()
          .extracting(Overview.OpenAlert::band)
          .isEqualTo("5");

      // resolved after an hour: no longer in breach, one hour of the last day in breach
      Episode resolved =
          new Episode(
              Episode.Kind.BREACH,
              "IT-FRAME-A",
              "COD",
              start,
              start.plusSeconds(3600),
              300.0,
              COD_LIMIT,
              null);
      inTransaction(follow, c -> alerts.closed(c, resolved));
      a = frameStation(overview, "IT-FRAME-A");
      assertThat(a.state()).isEqualTo(Overview.State.NO_PERMIT);
      assertThat(a.breachHours24h()).isCloseTo(1.0, within(1e-9));

      new PermitStore(follow.dataSource(), StandardsCatalog.load(null))
          .put(
              "IT-FRAME-A",
              "station: IT-FRAME-A\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\n",
              "it",
              "a permit");
      assertThat(frameStation(overview, "IT-FRAME-A").permit()).isTrue();

      // by hand: no announcement, so the frame kept shows it only once it is a minute old
      try (var c = follow.dataSource().getConnection();
          var st = c.createStatement()) {
        st.execute("INSERT INTO sites (code, name) VALUES ('it-frame-by-hand', 'By hand')");
      }
      Instant asked = Instant.now();
      assertThat(sites(overview.at(asked))).doesNotContain("it-frame-by-hand");
      assertThat(sites(overview.at(asked.plus(Overview.FRAME_MAX_AGE))))
          .contains("it-frame-by-hand");
    }
  }

  /**
   * The overview keeps each station's row between answers and computes it again only when it may
   * differ: the station reported, it fell silent, or its hours in breach moved with the clock. At
   * every step the answer equals that of an overview that keeps nothing, asked for the same moment.
   */
  @Test
  void theOverviewKeepsAStationsRowUntilItMayDiffer() throws Exception {
    AlertStore alerts = new AlertStore(Set.of(), List.of());
    try (Followed fixture = Followed.open("overview_kept")) {
      Database follow = fixture.db();
      Overview overview = fixture.overview();
      PermitStore permits = new PermitStore(follow.dataSource(), StandardsCatalog.load(null));
      for (String st : List.of("IT-KEPT-A", "IT-KEPT-B"))
        permits.put(
            st,
            "station: " + st + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\n",
            "it",
            "a permit");
      // The asks below lie in one five-minute slot and within a minute of each other, so that the
      // periods counted and the registry kept stay the same: only the rows can change. Too few
      // readings to measure an interval: silent 30 minutes after the last (SILENT_AFTER).
      long fiveMinutes = Duration.ofMinutes(5).toMillis();
      Instant slot =
          Instant.ofEpochMilli(
              Math.floorDiv(Instant.now().toEpochMilli(), fiveMinutes) * fiveMinutes);
      Instant last = slot.minus(Duration.ofMinutes(28));
      Instant asked = slot.plusSeconds(100); // last + 29:40, nobody silent yet
      AtomicInteger acked = new AtomicInteger();
      ReadingWriter w = writer(follow, false);
      List<Overview.Station> first;
      try {
        store(w, List.of(rowsOf("IT-KEPT-A", last), rowsOf("IT-KEPT-B", last)), acked);
        first = keptAgrees(overview, follow, asked);
        assertThat(first)
            .extracting(Overview.Station::state)
            .containsExactly(Overview.State.COMPLIANT, Overview.State.COMPLIANT);
        List<Overview.Station> again = keptAgrees(overview, follow, asked.plusSeconds(1));
        assertThat(again.get(0)).as("nothing changed: the row kept").isSameAs(first.get(0));
        assertThat(again.get(1)).as("nothing changed: the row kept").isSameAs(first.get(1));

        Instant later = last.plus(Duration.ofMinutes(1));
        store(w, List.of(rowsOf("IT-KEPT-A", later)), acked);
        List<Overview.Station> reported = keptAgrees(overview, follow, asked.plusSeconds(2));
        assertThat(reported.get(0).lastReading()).isEqualTo(later);
        assertThat(reported.get(1)).isSameAs(first.get(1));
      } finally {
        w.close();
      }

      // B's analyzer flat-lined: an alert of B's, which A's alerts below must leave as it is
      inTransaction(
          follow,
          c ->
              alerts.opened(
                  c,
                  new Episode(
                      Episode.Kind.FLAT_LINE, "IT-KEPT-B", "COD", last, null, 10.0, null, null),
                  null));
      // last + 30:20: B is silent, A (a minute later) not yet
      Instant silent = slot.plusSeconds(140);
      List<Overview.Station> beforeBreach = keptAgrees(overview, follow, silent);
      assertThat(beforeBreach)
          .extracting(Overview.Station::state)
          .containsExactly(Overview.State.COMPLIANT, Overview.State.NO_DATA);
      assertThat(beforeBreach.get(1).openAlerts())
          .singleElement()
          .extracting(Overview.OpenAlert::kind)
          .isEqualTo("flat_line");

      // a breach of A open for an hour: 10 s later, same registry and alerts, its hours have moved
      Instant start = silent.minus(Duration.ofHours(1));
      inTransaction(
          follow,
          c ->
              alerts.opened(
                  c,
                  new Episode(
                      Episode.Kind.BREACH, "IT-KEPT-A", "COD", start, null, 300.0, COD_LIMIT, null),
                  "QCVN 40:2011/BTNMT column B"));
      List<Overview.Station> open = keptAgrees(overview, follow, silent.plusSeconds(5));
      assertThat(open.get(0).state()).isEqualTo(Overview.State.BREACH);
      assertThat(open.get(1)).as("an alert of A alone: B's row kept").isSameAs(beforeBreach.get(1));
      // slot + 2:35, within a minute of the registry's reading at slot + 1:40 (FRAME_MAX_AGE)
      List<Overview.Station> moved = keptAgrees(overview, follow, silent.plusSeconds(15));
      // 1 h 5 s, then 1 h 15 s in breach
      assertThat(moved.get(0).breachHours24h() - open.get(0).breachHours24h())
          .isCloseTo(10 / 3600.0, within(1e-9));
      assertThat(moved.get(1)).isSameAs(open.get(1));
    }
  }

  /**
   * Kept current in the background, the overview has the stations' rows computed before anyone
   * asks: the answers after readings arrive compute none themselves (a province's first answer
   * after its backlogs took seconds when it did), and still say what an overview that keeps nothing
   * says of that moment.
   */
  @Test
  void theOverviewKeptCurrentHasTheRowsComputedBeforeAnAnswer() throws Exception {
    try (Followed fixture = Followed.open("overview_keeper")) {
      Database follow = fixture.db();
      Overview overview = fixture.overview();
      // one moment for the keeper and the answers: they count the same periods (readings in ms)
      Instant asked = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Instant last = asked.minus(Duration.ofMinutes(1));
      AtomicInteger acked = new AtomicInteger();
      ReadingWriter w = writer(follow, false);
      try (OverviewKeeper keeper =
          new OverviewKeeper(overview, Clock.fixed(asked, ZoneOffset.UTC))) {
        store(w, List.of(rowsOf("IT-KEEP-A", last), rowsOf("IT-KEEP-B", last)), acked);
        keptUp(keeper, overview, 2);
        long computed = overview.rowsComputed();
        List<Overview.Station> answered = keptAgrees(overview, follow, asked);
        assertThat(answered).extracting(Overview.Station::lastReading).containsExactly(last, last);
        assertThat(overview.rowsComputed()).as("no row left to the answer").isEqualTo(computed);

        Instant later = last.plusSeconds(30);
        store(w, List.of(rowsOf("IT-KEEP-A", later)), acked);
        keptUp(keeper, overview, computed + 1);
        List<Overview.Station> reported = keptAgrees(overview, follow, asked);
        assertThat(reported.get(0).lastReading()).isEqualTo(later);
        assertThat(reported.get(1))
            .as("B reported nothing: its row kept")
            .isSameAs(answered.get(1));
        assertThat(overview.rowsComputed()).as("A's new row computed once").isEqualTo(computed + 1);
      } finally {
        w.close();
      }
    }
  }

  /**
   * Waits until {@code keeper} has computed at least {@code rows} rows in all and stays current for
   * two of its pauses: an announcement heard late would show as a run not yet made.
   */
  private static void keptUp(OverviewKeeper keeper, Overview overview, long rows) {
    await()
        .atMost(Duration.ofSeconds(30))
        .during(OverviewKeeper.PAUSE.multipliedBy(2))
        .until(() -> keeper.current() && overview.rowsComputed() >= rows);
  }

  /**
   * The stations of {@code kept}'s overview at {@code at}, checked equal to what an overview that
   * keeps nothing yet says of that moment.
   */
  private static List<Overview.Station> keptAgrees(Overview kept, Database db, Instant at)
      throws SQLException, InterruptedException {
    List<Overview.Station> answer = stations(kept.at(at));
    try (Overview fresh = new Overview(db.dataSource(), new SamplingPlans())) {
      assertThat(answer).as("kept rows at %s", at).isEqualTo(stations(fresh.at(at)));
    }
    return answer;
  }

  /** A database of its own, and an overview following its writers' announcements. */
  private record Followed(Database db, Overview overview) implements AutoCloseable {
    static Followed open(String name) throws Exception {
      TestServices s = TestServices.get();
      Database db =
          Database.open(s.newDatabase(name), s.dbUser(), s.dbPassword(), 4, Duration.ofSeconds(30));
      Overview overview = new Overview(db.dataSource(), new SamplingPlans());
      await().atMost(Duration.ofSeconds(10)).until(overview::followsTheWriters);
      return new Followed(db, overview);
    }

    @Override
    public void close() throws InterruptedException {
      overview.close();
      db.close();
    }
  }

  private static final Limit COD_LIMIT = new Limit.Maximum(150);

  /** One reading of each parameter at {@code at}. */
  private static List<Inbound.Row> rowsOf(String station, Instant at) {
    List<Inbound.Row> rows = new ArrayList<>();
    for (short p : PARAMS) rows.add(new Inbound.Row(station, p, at.toEpochMilli(), 10, (short) 0));
    return rows;
  }

  private static Overview.Station frameStation(Overview overview, String code) {
    return stations(overviewAt(overview, Instant.now())).stream()
        .filter(st -> st.station().equals(code))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + code + " in the overview"));
  }

  private static List<String> sites(Overview.Result o) {
    return o.clusters().stream()
        .flatMap(c -> c.plants().stream())
        .map(Overview.Plant::site)
        .toList();
  }

  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private static <T> void inTransaction(Database db, Work<T> work) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      work.run(c);
      c.commit();
    }
  }

  /**
   * The overview keeps what stations reported in memory, following the writers' announcements: live
   * messages set their slots, a backlog has its station read again. After live readings of three
   * stations (every fifth invalid) and a backlog of one, it must count exactly what an overview
   * loaded from the aggregates counts, station by station.
   */
  @Test
  void theOverviewFollowingTheWritersCountsWhatTheAggregatesSay() throws Exception {
    try (Followed fixture = Followed.open("overview_follow")) {
      Database follow = fixture.db();
      Overview following = fixture.overview();
      following.at(Instant.now()); // loaded now: what follows comes through announcements
      AtomicInteger acked = new AtomicInteger();
      ReadingWriter w = writer(follow, true);
      Instant askedAt;
      CompletableFuture<List<Overview.Station>> asked;
      List<Overview.Station> duringFold;
      Instant live = Instant.now().minus(Duration.ofMinutes(90)).truncatedTo(ChronoUnit.MINUTES);
      int sent = 0;
      try {
        for (int m = 0; m < 90; m++)
          for (int st = 0; st < 3; st++) {
            List<Inbound.Row> rows = new ArrayList<>();
            for (short p : PARAMS)
              rows.add(
                  new Inbound.Row(
                      "IT-FOLLOW-" + st,
                      p,
                      live.plus(Duration.ofMinutes(m)).toEpochMilli(),
                      m,
                      (short) (m % 5 == 4 ? 2 : 0)));
            w.submit(inbound(rows, acked));
            int expected = ++sent;
            // one message per transaction: each announcement is a live one
            await().atMost(Duration.ofSeconds(10)).until(() -> acked.get() == expected);
          }
        List<Inbound.Row> backlog = new ArrayList<>();
        Instant old = live.minus(Duration.ofDays(2));
        for (int m = 0; m < 600; m += 7)
          for (short p : PARAMS)
            backlog.add(
                new Inbound.Row(
                    "IT-FOLLOW-1",
                    p,
                    old.plus(Duration.ofMinutes(m)).toEpochMilli(),
                    m,
                    (short) 0));
        // The backlog is stored and announced while its fold is held back (the aggregates locked
        // against writes): the overview, which reloads that station from the aggregates, must wait
        // for the fold rather than count the slots without it.
        try (var hold = follow.dataSource().getConnection()) {
          hold.setAutoCommit(false);
          try (var st = hold.createStatement()) {
            st.execute("LOCK TABLE readings_hourly IN EXCLUSIVE MODE");
          }
          w.submit(inbound(backlog, acked));
          int expected = ++sent;
          await().atMost(Duration.ofSeconds(10)).until(() -> acked.get() == expected);
          askedAt = Instant.now();
          Instant at = askedAt;
          asked = CompletableFuture.supplyAsync(() -> stations(overviewAt(following, at)));
          Thread.sleep(300);
          assertThat(asked).as("the overview waits for the fold").isNotDone();
          hold.commit();
        }
        duringFold = asked.get(10, TimeUnit.SECONDS);
      } finally {
        w.close();
      }
      Instant now = Instant.now();
      List<Overview.Station> followed = stations(following.at(now));
      List<Overview.Station> loaded;
      try (Overview fresh = new Overview(follow.dataSource(), new SamplingPlans())) {
        // four requests at once on an overview that has loaded nothing yet: one loads, all agree
        var pool = Executors.newFixedThreadPool(4);
        try {
          List<Future<List<Overview.Station>>> answers = new ArrayList<>();
          for (int i = 0; i < 4; i++) answers.add(pool.submit(() -> stations(fresh.at(now))));
          loaded = answers.get(0).get();
          for (var a : answers) assertThat(a.get()).isEqualTo(loaded);
        } finally {
          pool.shutdownNow();
        }
      }
      assertThat(followed).hasSize(3);
      for (int i = 0; i < 3; i++) {
        Overview.Station f = followed.get(i);
        Overview.Station l = loaded.get(i);
        assertThat(f.station()).isEqualTo(l.station());
        assertThat(f.lastReading()).as(f.station()).isEqualTo(l.lastReading());
        assertThat(f.completeness24h()).as(f.station()).isEqualTo(l.completeness24h());
        assertThat(f.completeness30d()).as(f.station()).isEqualTo(l.completeness30d());
      }
      // what the overview said while the backlog's fold was held, once it was folded, is what an
      // overview loaded afterwards says for that moment
      List<Overview.Station> loadedThen;
      try (Overview fresh = new Overview(follow.dataSource(), new SamplingPlans())) {
        loadedThen = stations(fresh.at(askedAt));
      }
      assertThat(duringFold)
          .extracting(HourlyAggregatesIT::counted)
          .isEqualTo(loadedThen.stream().map(HourlyAggregatesIT::counted).toList());
      // 90 minutes, every fifth minute's readings invalid: the slots of minutes 4, 9, ... are
      // empty, so 18 five-minute slots, each with a valid reading (minutes 0-3 of each), all filled
      assertThat(followed.get(0).completeness24h()).isEqualTo(1.0);
      // the backlog's 600 minutes, a reading every 7 minutes: not every slot has one
      assertThat(followed.get(1).completeness30d()).isLessThan(1.0);
    }
  }

  /**
   * A follower that cannot fold (here its database role may not write the aggregates) leaves its
   * writer's batches behind; the next follower that looks, in a writer no commit ever woke, folds
   * each of them once, and only the readings those transactions stored, although readings an
   * earlier writer stored lie between them in the same key ranges.
   */
  @Test
  void batchesAFollowerCouldNotFoldAreFoldedOnceByTheNext() throws Exception {
    TestServices s = TestServices.get();
    String url = s.newDatabase("hourly_left");
    String role = "outfall_it_nofold_" + ProcessHandle.current().pid();
    try (Database owner =
        Database.open(url, s.dbUser(), s.dbPassword(), 4, Duration.ofSeconds(30))) {
      // two hours of readings every 20 s: the even ones stored (and folded) first, the odd ones
      // later
      List<List<Inbound.Row>> even = new ArrayList<>();
      List<List<Inbound.Row>> odd = new ArrayList<>();
      Instant h0 = H0.minus(Duration.ofDays(1));
      for (int k = 0; k < 360; k++) {
        List<Inbound.Row> at = new ArrayList<>();
        for (short p : PARAMS)
          at.add(
              new Inbound.Row(
                  "IT-LEFT-OUT",
                  p,
                  h0.plusSeconds(20L * k).toEpochMilli(),
                  k,
                  (short) (k % 7 == 0 ? 1 : 0)));
        (k % 2 == 0 ? even : odd).add(at);
      }
      AtomicInteger acked = new AtomicInteger();
      var firstRegistry = new SimpleMeterRegistry();
      ReadingWriter first = writer(owner, firstRegistry);
      try {
        store(first, even, acked);
      } finally {
        first.close();
      }
      // its own follower folded them from the hours the writer counted, reading nothing back
      assertThat(firstRegistry.counter("outfall.ingest.aggregates.folded").count())
          .isEqualTo(180.0 * PARAMS.length);
      assertThat(firstRegistry.counter("outfall.ingest.aggregates.read.back").count()).isZero();
      noFoldRole(owner, role);
      try {
        var registry = new SimpleMeterRegistry();
        try (Database restricted = Database.open(url, role, "it", 4, Duration.ofSeconds(30))) {
          ReadingWriter second = writer(restricted, registry);
          try {
            store(second, odd, acked);
            await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> registry.counter("outfall.ingest.aggregates.failures").count() >= 1);
          } finally {
            second.close();
          }
        }
        long left =
            Probe.count(url, s.dbUser(), s.dbPassword(), "SELECT count(*) FROM reading_batches");
        assertThat(left).isPositive();
        // what /metrics and /api/health report of them: every batch left, and how old
        FollowerBacklog backlog =
            new FollowerBacklog(owner.dataSource(), new SimpleMeterRegistry());
        var waiting = backlog.sample().aggregates();
        assertThat(waiting.batches()).isEqualTo(left);
        assertThat(waiting.oldestSeconds()).isPositive();
        assertThat(Probe.count(url, s.dbUser(), s.dbPassword(), "SELECT count(*) FROM readings"))
            .isEqualTo(360L * PARAMS.length);
        assertThat(hoursAgainstRecomputation(owner).get(1)).as("hours behind").isPositive();

        var thirdRegistry = new SimpleMeterRegistry();
        ReadingWriter third = writer(owner, thirdRegistry);
        try {
          // never woken by a commit of its own: its sweep finds them
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      Probe.count(
                              url,
                              s.dbUser(),
                              s.dbPassword(),
                              "SELECT count(*) FROM reading_batches")
                          == 0);
        } finally {
          third.close();
        }
        assertThat(backlog.sample().aggregates()).isEqualTo(new FollowerBacklog.Waiting(0, -1, 0));
        backlog.close();
        // another writer's batches: read back, every one of their readings
        assertThat(thirdRegistry.counter("outfall.ingest.aggregates.read.back").count())
            .isEqualTo(180.0 * PARAMS.length);
        assertThat(hoursAgainstRecomputation(owner)).containsExactly(2 * PARAMS.length, 0);
      } finally {
        dropRole(owner, role);
      }
    }
  }

  /**
   * A station's parameters are listed from the moment its readings are stored, folded or not: a
   * station whose only batch no follower could fold lists them at once, from the batch's key
   * ranges, without waiting for a fold.
   */
  @Test
  void aStationListsItsParametersBeforeTheyAreFolded() throws Exception {
    TestServices s = TestServices.get();
    String url = s.newDatabase("hourly_unfolded");
    String role = "outfall_it_unfolded_" + ProcessHandle.current().pid();
    try (Database owner =
        Database.open(url, s.dbUser(), s.dbPassword(), 4, Duration.ofSeconds(30))) {
      noFoldRole(owner, role);
      try {
        var registry = new SimpleMeterRegistry();
        try (Database restricted = Database.open(url, role, "it", 4, Duration.ofSeconds(30))) {
          ReadingWriter w = writer(restricted, registry);
          try {
            List<Inbound.Row> rows = new ArrayList<>();
            for (short p : PARAMS)
              rows.add(new Inbound.Row("IT-UNFOLDED-OUT", p, H0.toEpochMilli(), 7, (short) 0));
            store(w, List.of(rows), new AtomicInteger());
            await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> registry.counter("outfall.ingest.aggregates.failures").count() >= 1);
          } finally {
            w.close();
          }
        }
        ReadingQueries queries = new ReadingQueries(owner.dataSource());
        List<String> codes = new ArrayList<>();
        for (short p : PARAMS) codes.add(owner.parameters().byId(p).code());
        ReadingQueries.Station listed = queries.stations(null, 10, 0).get(0);
        assertThat(listed.code()).isEqualTo("IT-UNFOLDED-OUT");
        assertThat(listed.parameters()).containsExactlyElementsOf(codes);
        assertThat(listed.firstReading()).isEqualTo(H0);
        assertThat(listed.lastReading()).isEqualTo(H0);
        assertThat(queries.parametersOf(queries.stationId("IT-UNFOLDED-OUT")))
            .containsExactly(PARAMS[0], PARAMS[1], PARAMS[2]);
        assertThat(
                Probe.count(
                    url,
                    s.dbUser(),
                    s.dbPassword(),
                    "SELECT (SELECT count(*) FROM readings_daily)"
                        + " + (SELECT count(*) FROM reading_spans)"))
            .as("still not folded")
            .isZero();
      } finally {
        dropRole(owner, role);
      }
    }
  }

  /** A login role that may do all a writer does but write the aggregates: its follower fails. */
  private static void noFoldRole(Database owner, String role) throws SQLException {
    try (var c = owner.dataSource().getConnection();
        var st = c.createStatement()) {
      st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'it'");
      st.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role);
      st.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role);
      st.execute("REVOKE INSERT, UPDATE ON readings_hourly FROM " + role);
    }
  }

  private static void dropRole(Database owner, String role) throws SQLException {
    try (var c = owner.dataSource().getConnection();
        var st = c.createStatement()) {
      st.execute("DROP OWNED BY " + role);
      st.execute("DROP ROLE " + role);
    }
  }

  /** Submits each message and waits until the writer acknowledged them all. */
  private static void store(ReadingWriter w, List<List<Inbound.Row>> messages, AtomicInteger acked)
      throws Exception {
    int expected = acked.get() + messages.size();
    for (List<Inbound.Row> m : messages) w.submit(inbound(m, acked));
    await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() == expected);
  }

  /**
   * The hours in {@code readings_hourly} and how many of them differ from a recomputation from the
   * readings (an hour missing on either side differs).
   */
  private static List<Integer> hoursAgainstRecomputation(Database db) throws Exception {
    String recomputed =
        "SELECT station_id, parameter_id, date_trunc('hour', ts, 'UTC') AS hour, count(*) AS n,"
            + " count(*) FILTER (WHERE status = 0) AS n_valid, count(*) FILTER (WHERE status = 1) AS n_calibrating,"
            + " count(*) FILTER (WHERE status = 2) AS n_fault, sum(value) FILTER (WHERE status = 0) AS sum_valid,"
            + " min(value) FILTER (WHERE status = 0) AS min_valid, max(value) FILTER (WHERE status = 0) AS max_valid,"
            + " coalesce(bit_or(1 << (extract(minute FROM ts AT TIME ZONE 'UTC')::int / 5)) FILTER (WHERE status = 0), 0) AS valid_slots"
            + " FROM readings GROUP BY 1, 2, 3";
    return twoCounts(
        db,
        "SELECT count(h.hour), count(*) FILTER (WHERE h.hour IS NULL OR r.hour IS NULL"
            + " OR h.n <> r.n OR h.n_valid <> r.n_valid OR h.n_calibrating <> r.n_calibrating"
            + " OR h.n_fault <> r.n_fault OR abs(h.sum_valid - r.sum_valid) > 1e-6"
            + " OR h.min_valid IS DISTINCT FROM r.min_valid OR h.max_valid IS DISTINCT FROM r.max_valid"
            + " OR h.valid_slots <> r.valid_slots)"
            + " FROM readings_hourly h FULL JOIN ("
            + recomputed
            + ") r USING (station_id, parameter_id, hour)");
  }

  /**
   * The rows of {@code reading_spans} and how many of them differ from each station-parameter's
   * first and last reading (a span missing on either side differs).
   */
  static List<Integer> spansAgainstReadings(Database db) throws SQLException {
    return twoCounts(
        db,
        "SELECT count(s.station_id), count(*) FILTER (WHERE s.station_id IS NULL"
            + " OR r.station_id IS NULL OR s.first_ts <> r.first_ts OR s.last_ts <> r.last_ts)"
            + " FROM reading_spans s FULL JOIN (SELECT station_id, parameter_id,"
            + " min(ts) AS first_ts, max(ts) AS last_ts FROM readings GROUP BY 1, 2) r"
            + " USING (station_id, parameter_id)");
  }

  /**
   * The two counts {@code sql} answers in its one row: rows kept, and of them those that differ.
   */
  private static List<Integer> twoCounts(Database db, String sql) throws SQLException {
    try (var c = db.dataSource().getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return List.of(rs.getInt(1), rs.getInt(2));
    }
  }

  /** What the overview counted for a station: its last reading and completeness. */
  private static List<Object> counted(Overview.Station st) {
    return List.of(st.station(), st.lastReading(), st.completeness24h(), st.completeness30d());
  }

  private static Overview.Result overviewAt(Overview overview, Instant at) {
    try {
      return overview.at(at);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Overview.Station> stations(Overview.Result o) {
    return o.clusters().stream()
        .flatMap(c -> c.plants().stream())
        .flatMap(p -> p.stations().stream())
        .sorted(Comparator.comparing(Overview.Station::station))
        .toList();
  }

  private static ReadingWriter writer(boolean enqueue) {
    return writer(db, enqueue);
  }

  private static ReadingWriter writer(Database db, boolean enqueue) {
    return writer(db, new SimpleMeterRegistry(), enqueue);
  }

  private static ReadingWriter writer(Database db, SimpleMeterRegistry registry) {
    return writer(db, registry, false);
  }

  private static ReadingWriter writer(Database db, SimpleMeterRegistry registry, boolean enqueue) {
    ReadingWriter w =
        new ReadingWriter(
            db.dataSource(),
            db.parameters(),
            new StationDirectory(StationDirectory.Unregistered.REGISTER),
            new MicrometerIntakeMetrics(registry),
            64,
            500,
            5,
            enqueue,
            null);
    w.start();
    return w;
  }

  private static Inbound inbound(List<Inbound.Row> rows, AtomicInteger acked) {
    Delivery d =
        new Delivery(
            "outfall/v1/it-hourly/it-hourly-gw/readings",
            new byte[0],
            "application/json",
            acked::incrementAndGet);
    return new Inbound(d, "it-hourly", "it-hourly-gw", 1L, rows, List.of(), 0, System.nanoTime());
  }
}

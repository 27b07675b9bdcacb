package io.outfall.tests.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.WindowResult;
import io.outfall.compliance.standards.Limit;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.storage.Database;
import io.outfall.tests.testing.TestServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The alert lifecycle rules on the real database, one transaction at a time as the engine commits
 * them: idempotent opening and resolving, a worse band notifying again, escalation, silences, and
 * notifications only for the families configured.
 */
// CI runs it on the embedded stack too: plain PostgreSQL
@Tag("demo-stack")
class AlertStoreIT {
  static Database db;
  static final AlertStore store =
      new AlertStore(Set.of("compliance"), List.of("email", "alertmanager"));
  static final Limit COD = new Limit.Maximum(150);
  static final Instant T = Instant.parse("2026-11-20T03:00:00Z");

  @BeforeAll
  static void open() throws Exception {
    TestServices s = TestServices.get();
    db =
        Database.open(
            s.newDatabase("alertstore"), s.dbUser(), s.dbPassword(), 2, Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  static Episode breach(String station, Instant start, Instant end) {
    return new Episode(Episode.Kind.BREACH, station, "COD", start, end, 300.0, COD, null);
  }

  static WindowResult window(String station, double mean, String band) {
    return new WindowResult(
        station,
        "COD",
        T,
        T.plusSeconds(3600),
        mean,
        60,
        60,
        COD,
        WindowResult.Verdict.BREACH,
        mean / 150,
        band,
        null);
  }

  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  static <T> T tx(Work<T> w) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      T t = w.run(c);
      c.commit();
      return t;
    }
  }

  /** An alert id, or null, from one transaction. */
  static Long alert(Work<Long> w) throws SQLException {
    return tx(w);
  }

  /** A number of changes from one transaction. */
  static Integer changes(Work<Integer> w) throws SQLException {
    return tx(w);
  }

  static long count(String sql) throws SQLException {
    return tx(
        c -> {
          try (var st = c.createStatement();
              var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  @Test
  void openingAndResolvingAreIdempotentAndNotifyOncePerChannel() throws Exception {
    Long first = tx(c -> store.opened(c, breach("S-IDEM", T, null), "QCVN 40:2011/BTNMT column B"));
    Long again = tx(c -> store.opened(c, breach("S-IDEM", T, null), null));
    assertThat(first).isNotNull();
    assertThat(again).as("a replay opens nothing new").isNull();
    assertThat(alert(c -> store.closed(c, breach("S-IDEM", T, T.plusSeconds(7200)))))
        .isEqualTo(first);
    assertThat(alert(c -> store.closed(c, breach("S-IDEM", T, T.plusSeconds(7200))))).isNull();
    assertThat(count("SELECT count(*) FROM alerts WHERE station = 'S-IDEM'")).isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM notification_outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.station = 'S-IDEM'"))
        .as("opened and resolved, on each of two channels")
        .isEqualTo(4);
    // A new episode after the resolution is a new alert.
    assertThat(alert(c -> store.opened(c, breach("S-IDEM", T.plusSeconds(9000), null), null)))
        .isNotNull()
        .isNotEqualTo(first);
  }

  @Test
  void aWorseBandIsRecordedAndNotifiedAgain() throws Exception {
    long id = tx(c -> store.opened(c, breach("S-WORSE", T, null), null));
    tx(
        c -> {
          store.breachWindow(c, window("S-WORSE", 200, "2"));
          store.breachWindow(c, window("S-WORSE", 180, "2")); // same band: no news
          store.breachWindow(c, window("S-WORSE", 500, "5"));
          return null;
        });
    assertThat(
            count(
                "SELECT count(*) FROM alert_events WHERE event = 'worsened' AND alert_id = " + id))
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM notification_outbox WHERE event = 'worsened' AND alert_id = "
                    + id))
        .isEqualTo(2);
    assertThat(count("SELECT peak FROM alerts WHERE id = " + id)).isEqualTo(500);
  }

  /**
   * The engine writes a breach's opening and the window that opened it in one statement. The alert
   * carries the window as a separate attachment would (300 / 150 = 2.00, band 4); and when the
   * breach was open already (nothing inserted), the window goes to the open alert, worsening
   * included.
   */
  @Test
  void anOpeningCarriesItsWindowOrGivesItToTheAlertAlreadyOpen() throws Exception {
    List<Long> ids =
        tx(
            c ->
                store.openAll(
                    c,
                    List.of(
                        new AlertStore.Opening(
                            breach("S-WIN", T, null), null, window("S-WIN", 300, "4")))));
    assertThat(ids).hasSize(1);
    try (var c = db.dataSource().getConnection();
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT value, peak, factor, band, window_start, window_end FROM alerts WHERE id = "
                        + ids.get(0))) {
      rs.next();
      assertThat(rs.getDouble(1)).isEqualTo(300.0);
      assertThat(rs.getDouble(2)).isEqualTo(300.0);
      assertThat(rs.getDouble(3)).isEqualTo(2.0);
      assertThat(rs.getString(4)).isEqualTo("4");
      assertThat(rs.getTimestamp(5).toInstant()).isEqualTo(T);
      assertThat(rs.getTimestamp(6).toInstant()).isEqualTo(T.plusSeconds(3600));
    }
    List<Long> again =
        tx(
            c ->
                store.openAll(
                    c,
                    List.of(
                        new AlertStore.Opening(
                            breach("S-WIN", T, null), null, window("S-WIN", 750, "6")))));
    assertThat(again).isEmpty();
    assertThat(count("SELECT peak FROM alerts WHERE id = " + ids.get(0))).isEqualTo(750);
    assertThat(
            count(
                "SELECT count(*) FROM alert_events WHERE event = 'worsened' AND alert_id = "
                    + ids.get(0)))
        .isEqualTo(1);
  }

  @Test
  void unacknowledgedBreachesEscalateOnce() throws Exception {
    long open =
        tx(c -> store.opened(c, breach("S-ESC", Instant.now().minusSeconds(7200), null), null));
    long acked =
        tx(c -> store.opened(c, breach("S-ESC-ACK", Instant.now().minusSeconds(7200), null), null));
    tx(
        c -> {
          try (var st = c.createStatement()) {
            st.executeUpdate(
                "UPDATE alerts SET state = 'acknowledged', acknowledged_at = now() WHERE id = "
                    + acked);
          }
          return null;
        });
    int escalated = tx(c -> store.escalate(c, Duration.ofMinutes(60)));
    assertThat(escalated).isGreaterThanOrEqualTo(1);
    assertThat(count("SELECT count(*) FROM alerts WHERE escalated_at IS NOT NULL AND id = " + open))
        .isEqualTo(1);
    assertThat(
            count("SELECT count(*) FROM alerts WHERE escalated_at IS NOT NULL AND id = " + acked))
        .isZero();
    assertThat(changes(c -> store.escalate(c, Duration.ofMinutes(60))))
        .as("escalated once only")
        .isZero();
  }

  @Test
  void silencedAlertsAreRecordedButNotifyNobody() throws Exception {
    tx(
        c -> {
          try (var ps =
              c.prepareStatement(
                  "INSERT INTO silences (station, parameter, starts_at, ends_at, reason, created_by)"
                      + " VALUES ('S-CAL', 'COD', ?, ?, 'planned COD analyzer calibration', 'it')")) {
            ps.setTimestamp(1, Timestamp.from(T.minusSeconds(600)));
            ps.setTimestamp(2, Timestamp.from(T.plusSeconds(3600)));
            ps.executeUpdate();
          }
          return null;
        });
    long silenced = tx(c -> store.opened(c, breach("S-CAL", T, null), null));
    tx(c -> store.closed(c, breach("S-CAL", T, T.plusSeconds(3600))));
    // The same station after the silence ended, and another station during it, do notify.
    long after = tx(c -> store.opened(c, breach("S-CAL", T.plusSeconds(7200), null), null));
    long other = tx(c -> store.opened(c, breach("S-OTHER", T, null), null));
    assertThat(count("SELECT count(*) FROM alerts WHERE silenced AND id = " + silenced))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM notification_outbox WHERE alert_id = " + silenced))
        .isZero();
    assertThat(count("SELECT count(*) FROM notification_outbox WHERE alert_id = " + after))
        .isEqualTo(2);
    assertThat(count("SELECT count(*) FROM notification_outbox WHERE alert_id = " + other))
        .isEqualTo(2);
  }

  @Test
  void familiesNotConfiguredToNotifyAreOnlyRecorded() throws Exception {
    long stale =
        tx(
            c ->
                store.opened(
                    c,
                    new Episode(
                        Episode.Kind.STALE, "S-QUIET", null, T, null, null, null, "no reading"),
                    null));
    assertThat(count("SELECT count(*) FROM alerts WHERE family = 'data_quality' AND id = " + stale))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM notification_outbox WHERE alert_id = " + stale))
        .isZero();
  }

  @Test
  void firingAlertsAreResentToAlertmanagerBeforeItForgetsThem() throws Exception {
    long id = tx(c -> store.opened(c, breach("S-LONG", T, null), null));
    assertThat(changes(c -> store.resendFiring(c, Duration.ofMinutes(20))))
        .as("the opening notification is still pending: nothing to add")
        .isZero();
    tx(
        c -> {
          try (var st = c.createStatement()) {
            st.executeUpdate(
                "UPDATE notification_outbox SET delivered_at = now() - interval '25 minutes' WHERE alert_id = "
                    + id);
          }
          return null;
        });
    assertThat(changes(c -> store.resendFiring(c, Duration.ofMinutes(20))))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM notification_outbox WHERE event = 'refresh' AND channel = 'alertmanager' AND alert_id = "
                    + id))
        .isEqualTo(1);
    assertThat(changes(c -> store.resendFiring(c, Duration.ofMinutes(20))))
        .as("not again while the refresh is pending")
        .isZero();
  }
}

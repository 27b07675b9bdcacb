package io.outfall.tests.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.ingest.storage.Database;
import io.outfall.tests.testing.TestServices;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * A database that already holds readings when it is upgraded to keep {@code reading_spans}
 * (migration V23) gets each station-parameter's first and last reading, and the station list shows
 * them at once.
 */
class ReadingSpansUpgradeIT {
  @Test
  void anUpgradeFindsTheFirstAndLastReadingOfWhatIsStored() throws Exception {
    TestServices s = TestServices.get();
    String url = s.newDatabase("spans_upgrade");
    Flyway.configure()
        .dataSource(url, s.dbUser(), s.dbPassword())
        .locations("classpath:db/migration")
        .target("22")
        .load()
        .migrate();
    try (var c = DriverManager.getConnection(url, s.dbUser(), s.dbPassword());
        var st = c.createStatement()) {
      st.execute("INSERT INTO sites (code) VALUES ('IT-UPGRADE')");
      st.execute(
          "INSERT INTO stations (code, site_id, gateway)"
              + " SELECT 'IT-UPGRADE-OUT', id, 'gw-upgrade' FROM sites");
      // TSS hourly for three days, COD from the second day on, at seven past each hour
      st.execute(
          "INSERT INTO readings (station_id, parameter_id, ts, value, status)"
              + " SELECT s.id, p, t, 1, 0 FROM stations s, unnest('{5,6}'::smallint[]) p,"
              + " generate_series(timestamptz '2026-11-01 00:07Z', timestamptz '2026-11-03 23:07Z',"
              + " interval '1 hour') t WHERE p = 5 OR t >= timestamptz '2026-11-02 00:00Z'");
      // their daily rows, as the follower left them before the upgrade
      st.execute(
          "INSERT INTO readings_daily (station_id, parameter_id, day, valid_slots, first_hour)"
              + " SELECT station_id, parameter_id, (ts AT TIME ZONE 'UTC')::date,"
              + " repeat('0', 288)::bit(288), min(date_trunc('hour', ts, 'UTC'))"
              + " FROM readings GROUP BY 1, 2, 3");
    }

    try (Database db = Database.open(url, s.dbUser(), s.dbPassword(), 2, Duration.ofSeconds(30))) {
      // two spans, both what the readings say
      assertThat(HourlyAggregatesIT.spansAgainstReadings(db)).containsExactly(2, 0);
      ReadingQueries.Station listed =
          new ReadingQueries(db.dataSource()).stations(null, 10, 0).get(0);
      assertThat(listed.code()).isEqualTo("IT-UPGRADE-OUT");
      assertThat(listed.parameters()).containsExactly("TSS", "COD");
      assertThat(listed.firstReading()).isEqualTo(Instant.parse("2026-11-01T00:07:00Z"));
      assertThat(listed.lastReading()).isEqualTo(Instant.parse("2026-11-03T23:07:00Z"));
    }
  }
}

package io.outfall.tests.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Grafana is not installable here, so this runs every SQL query of the provisioned dashboards (and
 * their template variables) against the real database, macros expanded as Grafana expands them, and
 * requires rows from each. The Prometheus queries are checked by {@link PrometheusIT}.
 */
class GrafanaDashboardsIT {
  static SeededPlant plant;

  @BeforeAll
  static void start() throws Exception {
    plant = SeededPlant.start("grafana");
  }

  @AfterAll
  static void stop() throws Exception {
    plant.close();
  }

  @Test
  void everySqlQueryOfEveryDashboardReturnsRows() throws Exception {
    List<GrafanaDashboards.Query> sql =
        GrafanaDashboards.queries().stream()
            .filter(q -> !q.datasource().equals("prometheus"))
            .toList();
    assertThat(sql).hasSizeGreaterThanOrEqualTo(7);
    boolean timescale = plant.server.database().engine().timescale();
    Instant to = Instant.now().plusSeconds(60);
    Instant from = to.minus(Duration.ofHours(6));
    try (var c =
        DriverManager.getConnection(
            plant.db, plant.services.dbUser(), plant.services.dbPassword())) {
      for (var q : sql) {
        String text =
            GrafanaDashboards.expandSql(q.text(), from, to, timescale, SeededPlant.STATION);
        assertThat(text).as(q.panel()).doesNotContain("$");
        int rows = 0;
        try (var st = c.createStatement();
            var rs = st.executeQuery(text)) {
          while (rs.next()) rows++;
        } catch (SQLException e) {
          throw new AssertionError(
              q.dashboard() + " / " + q.panel() + ": " + e.getMessage() + "\n" + text, e);
        }
        assertThat(rows).as(q.dashboard() + " / " + q.panel() + " returns rows").isPositive();
      }
    }
  }
}

package io.outfall.ingest.dashboards;

import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import io.outfall.ingest.targets.TargetJudgement.Kpi;
import io.outfall.ingest.targets.TargetJudgement.Status;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every plant with a target stands this month, for the regulator's overview. Computed in the
 * background (every {@link #EVERY_MINUTES} minutes, and after a target changes), never per request:
 * a month of a plant's meter readings for each of a province's plants is too much to read on every
 * page load. A plant's verdict for a KPI is the worst of its metered stations' (a plant with two
 * metered outlets meets a target only if both do). Blocking JDBC in {@link #refresh}: worker
 * threads only.
 */
public final class TargetBoard {
  private static final Logger log = LoggerFactory.getLogger(TargetBoard.class);

  static final int EVERY_MINUTES = 10;

  /**
   * A plant's month against its target.
   *
   * @param verdict the worst of {@code kpis}: missed, behind, no data, on track, met
   */
  public record PlantMonth(
      String site, LocalDate month, Map<Kpi, Status> kpis, Status verdict, Instant computedAt) {}

  /** Worst first: the order in which a plant's verdict is taken from its KPIs'. */
  private static final List<Status> WORST_FIRST =
      List.of(Status.MISSED, Status.BEHIND, Status.NO_DATA, Status.ON_TRACK, Status.MET);

  private final DataSource ds;
  private final PlantKpis kpis;
  private final KpiTargets targets;
  private final ZoneId zone;
  private final Clock clock;
  private volatile Map<String, PlantMonth> bySite = Map.of();

  public TargetBoard(DataSource ds, PlantKpis kpis, KpiTargets targets, ZoneId zone, Clock clock) {
    this.ds = ds;
    this.kpis = kpis;
    this.targets = targets;
    this.zone = zone;
    this.clock = clock;
  }

  /** The plants' months as last computed, by site code; a plant without a target is absent. */
  public Map<String, PlantMonth> bySite() {
    return bySite;
  }

  /** Recomputes every plant with a target; one failing station is logged, not fatal. */
  public synchronized void refresh() throws SQLException {
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, zone);
    Map<String, EnumMap<Kpi, Status>> worst = new HashMap<>();
    Map<String, EnumMap<Kpi, Status>> unmetered = new HashMap<>();
    for (StationOfSite s : stations()) {
      Optional<PlantKpis.Progress> p;
      try {
        p = kpis.progress(s.stationId(), targets, today, zone, now, true);
      } catch (SQLException | RuntimeException e) {
        log.warn("targets: station {} not judged: {}", s.stationId(), e.toString());
        continue;
      }
      if (p.isEmpty()) continue;
      List<TargetJudgement.Verdict> month = p.get().periods().get(0).verdicts();
      // a station that meters nothing (an inlet, a second outlet without meters) does not make
      // its plant's verdict "no data"; that stands only when no station of the plant has any
      boolean metered =
          month.stream()
              .anyMatch(v -> v.status() != Status.NO_DATA && v.status() != Status.NO_TARGET);
      EnumMap<Kpi, Status> plant =
          (metered ? worst : unmetered).computeIfAbsent(s.site(), k -> new EnumMap<>(Kpi.class));
      for (TargetJudgement.Verdict v : month) plant.merge(v.kpi(), v.status(), TargetBoard::worse);
    }
    unmetered.forEach(worst::putIfAbsent);
    Map<String, PlantMonth> next = new HashMap<>();
    worst.forEach(
        (site, statuses) ->
            next.put(
                site,
                new PlantMonth(
                    site, today.withDayOfMonth(1), Map.copyOf(statuses), verdict(statuses), now)));
    bySite = Map.copyOf(next);
  }

  /** The worse of two verdicts; no target is no verdict at all and gives way to any. */
  static Status worse(Status a, Status b) {
    if (a == Status.NO_TARGET) return b;
    if (b == Status.NO_TARGET) return a;
    return WORST_FIRST.indexOf(a) <= WORST_FIRST.indexOf(b) ? a : b;
  }

  static Status verdict(Map<Kpi, Status> kpis) {
    Status v = Status.NO_TARGET;
    for (Status s : kpis.values()) v = worse(v, s);
    return v;
  }

  private record StationOfSite(int stationId, String site) {}

  /** Stations that may have a target: all when the province has defaults, else those set. */
  private List<StationOfSite> stations() throws SQLException {
    String sql =
        "SELECT st.id, s.code FROM stations st JOIN sites s ON s.id = st.site_id"
            + (targets.hasProvinceDefault()
                ? ""
                : " WHERE EXISTS (SELECT 1 FROM kpi_targets t"
                    + " WHERE t.site_id = s.id OR t.cluster_id = s.cluster_id)");
    List<StationOfSite> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      while (rs.next()) out.add(new StationOfSite(rs.getInt(1), rs.getString(2)));
    }
    return out;
  }
}

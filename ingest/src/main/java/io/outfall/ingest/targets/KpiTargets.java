package io.outfall.ingest.targets;

import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.targets.TargetJudgement.Target;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Cleaner-production targets as data (V20 {@code kpi_targets}): a plant's own, else its cluster's,
 * else the province's defaults from the settings. Blocking JDBC: call from worker threads only.
 */
public final class KpiTargets {
  /** A target's owner: a plant (site) or a cluster, by code. */
  public enum Scope {
    PLANT("sites", "site_id"),
    CLUSTER("clusters", "cluster_id");

    private final String table;
    private final String column;

    Scope(String table, String column) {
      this.table = table;
      this.column = column;
    }

    String code() {
      return name().toLowerCase();
    }

    /** {@code plant} or {@code cluster}, as a target's scope reads. */
    public static Scope of(String scope) {
      return valueOf(scope.toUpperCase(Locale.ROOT));
    }
  }

  private final DataSource ds;
  private final Optional<Target> province;

  public KpiTargets(DataSource ds, Optional<Target> province) {
    this.ds = ds;
    this.province = province;
  }

  /**
   * The province's default target from the settings, if its baseline and at least one percentage
   * are set. Outfall ships none: no programme text giving a number for a treatment plant's
   * intensities was found (docs/dashboards.md).
   */
  public static Optional<Target> provinceDefault(Settings s) {
    Double energy =
        percentage(
            Setting.KPI_TARGET_ENERGY_PCT.key(), s.getDecimal(Setting.KPI_TARGET_ENERGY_PCT));
    Double chemical =
        percentage(
            Setting.KPI_TARGET_CHEMICAL_PCT.key(), s.getDecimal(Setting.KPI_TARGET_CHEMICAL_PCT));
    Double product =
        percentage(
            Setting.KPI_TARGET_PRODUCT_PCT.key(), s.getDecimal(Setting.KPI_TARGET_PRODUCT_PCT));
    if (energy == null && chemical == null && product == null) return Optional.empty();
    Baseline baseline =
        Baseline.parse(Setting.KPI_TARGET_BASELINE.key(), s.get(Setting.KPI_TARGET_BASELINE));
    String source = s.get(Setting.KPI_TARGET_SOURCE).trim();
    return Optional.of(
        new Target(
            "province",
            null,
            baseline.from(),
            baseline.to(),
            energy,
            chemical,
            product,
            null,
            source.isEmpty() ? null : source));
  }

  /** A target's baseline as written: {@code FROM/TO}, local dates, TO excluded. */
  public record Baseline(LocalDate from, LocalDate to) {
    /**
     * @param name the field or setting it is written in, for the message when it is wrong
     */
    public static Baseline parse(String name, String text) {
      String[] dates = text.trim().split("/");
      LocalDate from;
      LocalDate to;
      try {
        if (dates.length != 2) throw new DateTimeParseException("not FROM/TO", text, 0);
        from = LocalDate.parse(dates[0].trim());
        to = LocalDate.parse(dates[1].trim());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            name
                + " must be FROM/TO local dates, e.g. 2025-01-01/2026-01-01, got '"
                + text.trim()
                + "'");
      }
      if (!from.isBefore(to)) throw new IllegalArgumentException(name + ": FROM must be before TO");
      return new Baseline(from, to);
    }
  }

  /** A target's percentage: null (none), or above 0 and below 100. */
  public static Double percentage(String name, Double pct) {
    if (pct != null && !(pct > 0 && pct < 100))
      throw new IllegalArgumentException(
          name + " is a percentage above 0 and below 100, got " + pct);
    return pct;
  }

  /**
   * Each of a target's percentages in range and at least one set; {@code prefix} before the field
   * names, as they are written where the target came from ({@code target_} in the registry file).
   */
  public static void checkFigures(Target t, String prefix) {
    percentage(prefix + "energy_per_m3_pct", t.energyPct());
    percentage(prefix + "chemical_per_m3_pct", t.chemicalPct());
    percentage(prefix + "energy_per_unit_pct", t.productPct());
    if (t.energyPct() == null && t.chemicalPct() == null && t.productPct() == null)
      throw new IllegalArgumentException(
          "a target needs at least one of "
              + prefix
              + "energy_per_m3_pct, "
              + prefix
              + "chemical_per_m3_pct, "
              + prefix
              + "energy_per_unit_pct");
  }

  public boolean hasProvinceDefault() {
    return province.isPresent();
  }

  /** The target that applies to a station: its plant's, its cluster's or the province's. */
  public Optional<Target> forStation(Connection c, int stationId) throws SQLException {
    String sql =
        "SELECT 'plant', s.code, t.* FROM stations st JOIN sites s ON s.id = st.site_id"
            + " JOIN kpi_targets t ON t.site_id = s.id WHERE st.id = ?"
            + " UNION ALL SELECT 'cluster', cl.code, t.* FROM stations st"
            + " JOIN sites s ON s.id = st.site_id JOIN clusters cl ON cl.id = s.cluster_id"
            + " JOIN kpi_targets t ON t.cluster_id = cl.id WHERE st.id = ?"
            + " ORDER BY 1 DESC LIMIT 1"; // 'plant' before 'cluster'
    try (var ps = c.prepareStatement(sql)) {
      ps.setInt(1, stationId);
      ps.setInt(2, stationId);
      try (var rs = ps.executeQuery()) {
        if (rs.next()) return Optional.of(target(rs));
      }
    }
    return province;
  }

  /** The target set for a plant or cluster itself (not inherited), if any. */
  public Optional<Target> of(Scope scope, String code) throws SQLException {
    try (Connection c = ds.getConnection()) {
      int id = idOf(c, scope, code);
      try (var ps =
          c.prepareStatement(
              "SELECT ?, ?, t.* FROM kpi_targets t WHERE " + scope.column + " = ?")) {
        ps.setString(1, scope.code());
        ps.setString(2, code);
        ps.setInt(3, id);
        try (var rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(target(rs)) : Optional.empty();
        }
      }
    }
  }

  /** Sets (replaces) the target of a plant or cluster. */
  public void put(Scope scope, String code, Target t, String by) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      put(c, scope, code, t, by);
      c.commit();
    }
  }

  /**
   * Sets (replaces) a target in the caller's transaction: the API's, or a registry import's with
   * everything else in the file. 400 for a target that sets nothing or a baseline backwards, 404
   * for a plant or cluster not registered.
   */
  public static void put(Connection c, Scope scope, String code, Target t, String by)
      throws SQLException {
    if (!t.baselineFrom().isBefore(t.baselineTo()))
      throw ApiError.badRequest("baseline_from must be before baseline_to");
    checkFigures(t, ""); // 400 too (IllegalArgumentException)
    int id = idOf(c, scope, code);
    try (var del = c.prepareStatement("DELETE FROM kpi_targets WHERE " + scope.column + " = ?");
        var ins =
            c.prepareStatement(
                "INSERT INTO kpi_targets ("
                    + scope.column
                    + ", baseline_from, baseline_to, energy_pct, chemical_pct, product_pct,"
                    + " product_unit, source, set_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      del.setInt(1, id);
      del.executeUpdate();
      ins.setInt(1, id);
      ins.setDate(2, Date.valueOf(t.baselineFrom()));
      ins.setDate(3, Date.valueOf(t.baselineTo()));
      setPct(ins, 4, t.energyPct());
      setPct(ins, 5, t.chemicalPct());
      setPct(ins, 6, t.productPct());
      ins.setString(7, t.productUnit());
      ins.setString(8, t.source());
      ins.setString(9, by);
      ins.executeUpdate();
    }
  }

  /** Every plant's and cluster's own target, plants first, by code: the registry's export. */
  public static List<Target> all(Connection c) throws SQLException {
    List<Target> out = new ArrayList<>();
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT 'plant', s.code, t.* FROM kpi_targets t JOIN sites s ON s.id = t.site_id"
                    + " UNION ALL SELECT 'cluster', cl.code, t.* FROM kpi_targets t"
                    + " JOIN clusters cl ON cl.id = t.cluster_id ORDER BY 1 DESC, 2")) {
      while (rs.next()) out.add(target(rs));
    }
    return out;
  }

  /** Removes a plant's or cluster's own target; true if there was one. */
  public boolean remove(Scope scope, String code) throws SQLException {
    try (Connection c = ds.getConnection()) {
      int id = idOf(c, scope, code);
      try (var ps = c.prepareStatement("DELETE FROM kpi_targets WHERE " + scope.column + " = ?")) {
        ps.setInt(1, id);
        return ps.executeUpdate() > 0;
      }
    }
  }

  private static void setPct(PreparedStatement ps, int i, Double pct) throws SQLException {
    if (pct == null) ps.setNull(i, Types.DOUBLE);
    else ps.setDouble(i, pct);
  }

  private static int idOf(Connection c, Scope scope, String code) throws SQLException {
    try (var ps = c.prepareStatement("SELECT id FROM " + scope.table + " WHERE code = ?")) {
      ps.setString(1, code);
      try (var rs = ps.executeQuery()) {
        if (rs.next()) return rs.getInt(1);
      }
    }
    throw new ApiError(404, "no " + scope.code() + " " + code + " in the registry");
  }

  /** A row of {@code SELECT scope, code, t.*}. */
  private static Target target(ResultSet rs) throws SQLException {
    return new Target(
        rs.getString(1),
        rs.getString(2),
        rs.getDate("baseline_from").toLocalDate(),
        rs.getDate("baseline_to").toLocalDate(),
        (Double) rs.getObject("energy_pct"),
        (Double) rs.getObject("chemical_pct"),
        (Double) rs.getObject("product_pct"),
        rs.getString("product_unit"),
        rs.getString("source"));
  }
}

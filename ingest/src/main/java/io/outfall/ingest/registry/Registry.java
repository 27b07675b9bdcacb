package io.outfall.ingest.registry;

import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import io.outfall.protocol.Topics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The registry of clusters, their treatment plants (sites) and monitoring stations: what the
 * province expects to monitor, known before any reading arrives. Writes are upserts by code,
 * validated here, so the API and the CSV import refuse the same things; each write tells the
 * compliance engine ({@code NOTIFY outfall_registry}) so that a changed sampling plan is used at
 * once. Blocking JDBC: call from worker threads.
 */
public final class Registry {
  /** A cluster: an industrial cluster or a craft village. */
  public record Cluster(
      String code, String name, String kind, String district, String status, String treatment) {
    public Cluster {
      code = checkedCode(code, "cluster");
      name = required(name, "cluster " + code + ": name");
      kind = oneOf(kind, "industrial_cluster", "cluster " + code + ": kind", KINDS);
      status = oneOf(status, "operating", "cluster " + code + ": status", CLUSTER_STATUSES);
      treatment = oneOf(treatment, "required", "cluster " + code + ": treatment", TREATMENTS);
      district = blankToNull(district);
    }
  }

  /** A treatment plant, by the site code its gateways use in their topics. */
  public record Plant(
      String site,
      String name,
      String cluster,
      String status,
      Double latitude,
      Double longitude,
      String receivingWater,
      Double designCapacityM3PerDay) {
    public Plant {
      site = checkedCode(site, "plant");
      name = blankToNull(name);
      cluster =
          cluster == null || cluster.isBlank()
              ? null
              : checkedCode(cluster, "plant " + site + ": cluster");
      status = oneOf(status, "operating", "plant " + site + ": status", PLANT_STATUSES);
      place(latitude, longitude, "plant " + site);
      receivingWater = blankToNull(receivingWater);
      if (designCapacityM3PerDay != null && !(designCapacityM3PerDay > 0))
        throw new IllegalArgumentException(
            "plant " + site + ": design capacity must be positive m³/day");
    }
  }

  /**
   * A monitoring station of a plant; {@code sampling} as {@link SamplingPlan#parseText} reads it.
   */
  public record Station(
      String code,
      String name,
      String site,
      Double latitude,
      Double longitude,
      String receivingWater,
      String sampling) {
    public Station {
      code = checkedCode(code, "station");
      name = blankToNull(name);
      site = checkedCode(site, "station " + code + ": plant (site)");
      place(latitude, longitude, "station " + code);
      receivingWater = blankToNull(receivingWater);
      sampling = SamplingPlan.parseText(sampling, "station " + code + ": sampling").toText();
      if (sampling.isEmpty()) sampling = null;
    }
  }

  /** Everything registered, flat, each with its parent's code. */
  /**
   * @param targets cleaner-production targets of plants and clusters ({@link KpiTargets}), set with
   *     them
   */
  public record Contents(
      List<Cluster> clusters,
      List<Plant> plants,
      List<Station> stations,
      List<TargetJudgement.Target> targets) {}

  static final Set<String> KINDS = Set.of("industrial_cluster", "craft_village");
  static final Set<String> CLUSTER_STATUSES = Set.of("operating", "new");
  static final Set<String> TREATMENTS = Set.of("exists", "required", "not_required");
  static final Set<String> PLANT_STATUSES = Set.of("operating", "under_construction", "planned");

  private final DataSource ds;

  public Registry(DataSource ds) {
    this.ds = ds;
  }

  public Contents contents() throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      List<Cluster> clusters = new ArrayList<>();
      List<Plant> plants = new ArrayList<>();
      List<Station> stations = new ArrayList<>();
      try (var st = c.createStatement()) {
        try (var rs =
            st.executeQuery(
                "SELECT code, name, kind, district, status, treatment FROM clusters ORDER BY code")) {
          while (rs.next())
            clusters.add(
                new Cluster(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6)));
        }
        try (var rs =
            st.executeQuery(
                "SELECT s.code, s.name, c.code, s.status, s.latitude, s.longitude,"
                    + " s.receiving_water, s.design_capacity_m3_per_day"
                    + " FROM sites s LEFT JOIN clusters c ON c.id = s.cluster_id ORDER BY s.code")) {
          while (rs.next())
            plants.add(
                new Plant(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    number(rs, 5),
                    number(rs, 6),
                    rs.getString(7),
                    number(rs, 8)));
        }
        try (var rs =
            st.executeQuery(
                "SELECT st.code, st.name, s.code, st.latitude, st.longitude, st.receiving_water,"
                    + " st.sampling FROM stations st JOIN sites s ON s.id = st.site_id"
                    + " ORDER BY st.code")) {
          while (rs.next())
            stations.add(
                new Station(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    number(rs, 4),
                    number(rs, 5),
                    rs.getString(6),
                    rs.getString(7)));
        }
      }
      return new Contents(clusters, plants, stations, KpiTargets.all(c));
    }
  }

  /** Registers (or replaces) everything given, in one transaction: all of it or nothing. */
  public void put(Contents contents, String by) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (Cluster cl : contents.clusters()) put(c, cl, by);
        for (Plant p : contents.plants()) put(c, p, by);
        for (Station s : contents.stations()) put(c, s, by);
        for (TargetJudgement.Target t : contents.targets())
          KpiTargets.put(c, KpiTargets.Scope.of(t.scope()), t.of(), t, by);
        try (var st = c.createStatement()) {
          st.execute("NOTIFY outfall_registry");
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  public void put(Cluster cl, String by) throws SQLException {
    put(new Contents(List.of(cl), List.of(), List.of(), List.of()), by);
  }

  public void put(Plant p, String by) throws SQLException {
    put(new Contents(List.of(), List.of(p), List.of(), List.of()), by);
  }

  public void put(Station s, String by) throws SQLException {
    put(new Contents(List.of(), List.of(), List.of(s), List.of()), by);
  }

  private static void put(Connection c, Cluster cl, String by) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "INSERT INTO clusters (code, name, kind, district, status, treatment, updated_by)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
                + " name = excluded.name, kind = excluded.kind, district = excluded.district,"
                + " status = excluded.status, treatment = excluded.treatment,"
                + " updated_at = now(), updated_by = excluded.updated_by")) {
      ps.setString(1, cl.code());
      ps.setString(2, cl.name());
      ps.setString(3, cl.kind());
      ps.setString(4, cl.district());
      ps.setString(5, cl.status());
      ps.setString(6, cl.treatment());
      ps.setString(7, by);
      ps.executeUpdate();
    }
  }

  private static void put(Connection c, Plant p, String by) throws SQLException {
    Integer cluster = null;
    if (p.cluster() != null) {
      cluster = id(c, "clusters", p.cluster());
      if (cluster == null)
        throw new IllegalArgumentException(
            "plant " + p.site() + ": no cluster '" + p.cluster() + "' is registered");
    }
    try (var ps =
        c.prepareStatement(
            "INSERT INTO sites (code, name, cluster_id, status, latitude, longitude,"
                + " receiving_water, design_capacity_m3_per_day, updated_at, updated_by)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, now(), ?) ON CONFLICT (code) DO UPDATE SET"
                + " name = excluded.name, cluster_id = excluded.cluster_id,"
                + " status = excluded.status, latitude = excluded.latitude,"
                + " longitude = excluded.longitude, receiving_water = excluded.receiving_water,"
                + " design_capacity_m3_per_day = excluded.design_capacity_m3_per_day,"
                + " updated_at = now(), updated_by = excluded.updated_by")) {
      ps.setString(1, p.site());
      ps.setString(2, p.name());
      setInt(ps, 3, cluster);
      ps.setString(4, p.status());
      setDouble(ps, 5, p.latitude());
      setDouble(ps, 6, p.longitude());
      ps.setString(7, p.receivingWater());
      setDouble(ps, 8, p.designCapacityM3PerDay());
      ps.setString(9, by);
      ps.executeUpdate();
    }
  }

  private static void put(Connection c, Station s, String by) throws SQLException {
    Integer site = id(c, "sites", s.site());
    if (site == null)
      throw new IllegalArgumentException(
          "station " + s.code() + ": no plant (site) '" + s.site() + "' is registered");
    // A station is never moved to another site: its readings came over that site's topics.
    try (var ps =
        c.prepareStatement(
            "SELECT s.code FROM stations st JOIN sites s ON s.id = st.site_id WHERE st.code = ?")) {
      ps.setString(1, s.code());
      try (var rs = ps.executeQuery()) {
        if (rs.next() && !rs.getString(1).equals(s.site()))
          throw new IllegalArgumentException(
              "station "
                  + s.code()
                  + " belongs to plant "
                  + rs.getString(1)
                  + "; a station does not move to another plant (register a new one)");
      }
    }
    try (var ps =
        c.prepareStatement(
            "INSERT INTO stations (code, name, site_id, latitude, longitude, receiving_water,"
                + " sampling, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?)"
                + " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                + " latitude = excluded.latitude, longitude = excluded.longitude,"
                + " receiving_water = excluded.receiving_water, sampling = excluded.sampling,"
                + " updated_at = now(), updated_by = excluded.updated_by")) {
      ps.setString(1, s.code());
      ps.setString(2, s.name());
      ps.setInt(3, site);
      setDouble(ps, 4, s.latitude());
      setDouble(ps, 5, s.longitude());
      ps.setString(6, s.receivingWater());
      ps.setString(7, s.sampling());
      ps.setString(8, by);
      ps.executeUpdate();
    }
  }

  /** The codes of {@code table} (clusters or sites) already registered. */
  Set<String> codes(String table) throws SQLException {
    Set<String> out = new HashSet<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT code FROM " + table)) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  private static Integer id(Connection c, String table, String code) throws SQLException {
    try (var ps = c.prepareStatement("SELECT id FROM " + table + " WHERE code = ?")) {
      ps.setString(1, code);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : null;
      }
    }
  }

  private static Double number(ResultSet rs, int i) throws SQLException {
    double d = rs.getDouble(i);
    return rs.wasNull() ? null : d;
  }

  private static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
    if (v == null) ps.setNull(i, Types.DOUBLE);
    else ps.setDouble(i, v);
  }

  private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
    if (v == null) ps.setNull(i, Types.INTEGER);
    else ps.setInt(i, v);
  }

  static String checkedCode(String code, String what) {
    if (code == null || !Topics.isValidId(code.trim()))
      throw new IllegalArgumentException(
          what + " code must be 1-64 letters, digits, '-' or '_', got '" + code + "'");
    return code.trim();
  }

  private static String required(String v, String what) {
    if (v == null || v.isBlank()) throw new IllegalArgumentException(what + " is required");
    return v.trim();
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String oneOf(String v, String dflt, String what, Set<String> allowed) {
    if (v == null || v.isBlank()) return dflt;
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(s))
      throw new IllegalArgumentException(
          what
              + " must be one of "
              + String.join(", ", allowed.stream().sorted().toList())
              + ", got '"
              + v
              + "'");
    return s;
  }

  private static void place(Double lat, Double lon, String what) {
    if ((lat == null) != (lon == null))
      throw new IllegalArgumentException(what + ": give both latitude and longitude, or neither");
    if (lat != null && (lat < -90 || lat > 90 || lon < -180 || lon > 180))
      throw new IllegalArgumentException(
          what + ": latitude must be within ±90° and longitude within ±180°");
  }
}

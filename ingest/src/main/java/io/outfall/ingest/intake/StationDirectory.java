package io.outfall.ingest.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Station codes to storage ids and the site each belongs to. What happens to a station no one
 * registered is the {@link Unregistered} mode: registered under the site of the topic it first came
 * on (the broker authenticates that site, so a gateway can only ever add stations to its own site),
 * or left unknown for the writer to hold or refuse its readings. Ids enter the cache only after the
 * transaction that created or found them committed, so a rolled-back registration is never
 * remembered; unknown stations are never cached, so a registration by an admin counts at once.
 */
public final class StationDirectory {
  /** What to do with readings of a station the registry does not know. */
  public enum Unregistered {
    /** Register it under the reporting site (the demo; a site that trusts its gateways). */
    REGISTER,
    /** Hold its readings for an admin to accept (stored then) or discard. */
    PARK,
    /** Refuse its readings: counted and parked as dead letters with the reason. */
    REFUSE;

    public static Unregistered of(String setting) {
      try {
        return valueOf(setting.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "registry.unregistered-stations must be register, park or refuse, got '"
                + setting
                + "'");
      }
    }
  }

  /** A station in storage: its id and its site's code. */
  public record Known(int id, String site) {}

  private final Unregistered mode;
  private final Map<String, Known> known = new ConcurrentHashMap<>();

  public StationDirectory(Unregistered mode) {
    this.mode = mode;
  }

  public Unregistered mode() {
    return mode;
  }

  /**
   * The given stations as stored, registering new ones within the caller's transaction when the
   * mode says so; a station left unknown is absent from the answer.
   */
  public Map<String, Known> resolve(Connection c, Map<String, Registration> stations)
      throws SQLException {
    Map<String, Known> result = new HashMap<>(stations.size() * 2);
    for (var e : stations.entrySet()) {
      Known k = cached(e.getKey());
      if (k == null) {
        if (mode == Unregistered.REGISTER) register(c, e.getKey(), e.getValue(), null);
        else firstReport(c, e.getKey(), e.getValue());
        k = lookup(c, e.getKey());
      }
      if (k != null) result.put(e.getKey(), k);
    }
    return result;
  }

  /**
   * {@code station} if it is known and cached (its registration committed), else null: answered
   * without the database.
   */
  public Known cached(String station) {
    return known.get(station);
  }

  /** Call after commit with what {@link #resolve} returned. */
  public void remember(Map<String, Known> committed) {
    known.putAll(committed);
  }

  /** Where a new station is registered: its site and the gateway that reported it. */
  public record Registration(String site, String gateway) {}

  /**
   * Registers {@code station} under its site (and the site, if new), leaving alone what is
   * registered already; {@code by} is the admin who accepted it, null when its first reading did. A
   * new station is announced on {@link #REGISTERED}.
   */
  public static void register(Connection c, String station, Registration r, String by)
      throws SQLException {
    try (var site =
        c.prepareStatement(
            "INSERT INTO sites (code, updated_by) VALUES (?, ?) ON CONFLICT (code) DO NOTHING")) {
      site.setString(1, r.site());
      site.setString(2, by);
      site.executeUpdate();
    }
    try (var st =
        c.prepareStatement(
            "INSERT INTO stations (code, site_id, gateway, updated_by) SELECT ?, id, ?, ?"
                + " FROM sites WHERE code = ? ON CONFLICT (code) DO NOTHING")) {
      st.setString(1, station);
      st.setString(2, r.gateway());
      st.setString(3, by);
      st.setString(4, r.site());
      if (st.executeUpdate() > 0) announce(c, station);
    }
  }

  /** Where a station registered here is announced, at commit (the overview keeps the registry). */
  public static final String REGISTERED = "outfall_stations";

  private static void announce(Connection c, String station) throws SQLException {
    try (var ps = c.prepareStatement("SELECT pg_notify('" + REGISTERED + "', ?)")) {
      ps.setString(1, station);
      ps.execute();
    }
  }

  /** A station an admin registered records the gateway that first reports it, as one seen first. */
  private static void firstReport(Connection c, String station, Registration r)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE stations SET gateway = ? WHERE code = ? AND gateway IS NULL"
                + " AND site_id = (SELECT id FROM sites WHERE code = ?)")) {
      ps.setString(1, r.gateway());
      ps.setString(2, station);
      ps.setString(3, r.site());
      ps.executeUpdate();
    }
  }

  private static Known lookup(Connection c, String station) throws SQLException {
    try (var q =
        c.prepareStatement(
            "SELECT st.id, si.code FROM stations st JOIN sites si ON si.id = st.site_id"
                + " WHERE st.code = ?")) {
      q.setString(1, station);
      try (var rs = q.executeQuery()) {
        return rs.next() ? new Known(rs.getInt(1), rs.getString(2)) : null;
      }
    }
  }
}

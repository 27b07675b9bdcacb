package io.outfall.ingest.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Station codes to storage ids and the site each belongs to. A station is registered, under the
 * site of the topic it first came on, the first time a reading of it arrives; the broker
 * authenticates that site, so a gateway can only ever add stations to its own site. Ids enter the
 * cache only after the transaction that created them committed, so a rolled-back registration is
 * never remembered.
 */
public final class StationDirectory {
  /** A station in storage: its id and its site's code. */
  public record Known(int id, String site) {}

  private final Map<String, Known> known = new ConcurrentHashMap<>();

  /** The given stations as stored, registering new ones within the caller's transaction. */
  public Map<String, Known> resolve(Connection c, Map<String, Registration> stations)
      throws SQLException {
    Map<String, Known> result = new HashMap<>(stations.size() * 2);
    for (var e : stations.entrySet()) {
      Known k = known.get(e.getKey());
      if (k == null) {
        register(c, e.getKey(), e.getValue());
        k = lookup(c, e.getKey());
      }
      result.put(e.getKey(), k);
    }
    return result;
  }

  /** Call after commit with what {@link #resolve} returned. */
  public void remember(Map<String, Known> committed) {
    known.putAll(committed);
  }

  /** Where a new station is registered: its site and the gateway that reported it. */
  public record Registration(String site, String gateway) {}

  private static void register(Connection c, String station, Registration r) throws SQLException {
    try (var site =
        c.prepareStatement("INSERT INTO sites (code) VALUES (?) ON CONFLICT (code) DO NOTHING")) {
      site.setString(1, r.site());
      site.executeUpdate();
    }
    try (var st =
        c.prepareStatement(
            "INSERT INTO stations (code, site_id, gateway) SELECT ?, id, ? FROM sites WHERE code = ?"
                + " ON CONFLICT (code) DO NOTHING")) {
      st.setString(1, station);
      st.setString(2, r.gateway());
      st.setString(3, r.site());
      st.executeUpdate();
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

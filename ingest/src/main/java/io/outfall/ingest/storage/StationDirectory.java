package io.outfall.ingest.storage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Station codes to storage ids. A station is registered, under the site of the topic it first came
 * on, the first time a reading of it arrives. Ids enter the cache only after the transaction that
 * created them committed, so a rolled-back registration is never remembered.
 */
public final class StationDirectory {
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();

  /** Ids of the given stations, registering new ones within the caller's transaction. */
  public Map<String, Integer> resolve(Connection c, Map<String, Registration> stations)
      throws SQLException {
    Map<String, Integer> result = new HashMap<>(stations.size() * 2);
    for (var e : stations.entrySet()) {
      Integer id = ids.get(e.getKey());
      if (id == null) {
        id = register(c, e.getKey(), e.getValue());
      }
      result.put(e.getKey(), id);
    }
    return result;
  }

  /** Call after commit with what {@link #resolve} returned. */
  public void remember(Map<String, Integer> committed) {
    ids.putAll(committed);
  }

  /** Where a new station is registered: its site and the gateway that reported it. */
  public record Registration(String site, String gateway) {}

  private static int register(Connection c, String station, Registration r) throws SQLException {
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
    try (var q = c.prepareStatement("SELECT id FROM stations WHERE code = ?")) {
      q.setString(1, station);
      try (var rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}

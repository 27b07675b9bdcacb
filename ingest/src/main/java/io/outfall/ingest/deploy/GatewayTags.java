package io.outfall.ingest.deploy;

import io.outfall.ingest.fleet.GatewayId;
import io.outfall.protocol.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Named groups of gateways ({@code pilot}, {@code hanoi-north}) that a rollout can target as {@code
 * tag:<tag>}. A tag is set as a whole: its members are replaced in one transaction, audited.
 */
public final class GatewayTags {
  private final DataSource ds;

  public GatewayTags(DataSource ds) {
    this.ds = ds;
  }

  /** Every tag with its members ({@code site/gateway}), in order. */
  public Map<String, List<String>> all() throws SQLException {
    Map<String, List<String>> out = new TreeMap<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT tag, site, gateway FROM gateway_tags ORDER BY 1, 2, 3")) {
      while (rs.next())
        out.computeIfAbsent(rs.getString(1), t -> new ArrayList<>())
            .add(rs.getString(2) + "/" + rs.getString(3));
    }
    return out;
  }

  /** The members of a tag; empty when the tag has none. */
  public List<GatewayId> members(String tag) throws SQLException {
    List<GatewayId> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT site, gateway FROM gateway_tags WHERE tag = ? ORDER BY site, gateway")) {
      ps.setString(1, tag);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(new GatewayId(rs.getString(1), rs.getString(2)));
      }
    }
    return out;
  }

  /**
   * Replaces a tag's members ({@code site/gateway} each); an empty list deletes the tag.
   *
   * @throws IllegalArgumentException naming the first member that is not {@code site/gateway}
   */
  public void set(String tag, List<String> gateways, String actor) throws SQLException {
    if (!Topics.isValidId(tag))
      throw new IllegalArgumentException(
          "tag: letters, digits, '-' and '_' only (1–64), got '" + tag + "'");
    List<GatewayId> members = new ArrayList<>();
    for (int i = 0; i < gateways.size(); i++) {
      String[] parts = gateways.get(i) == null ? new String[0] : gateways.get(i).split("/", -1);
      if (parts.length != 2 || !Topics.isValidId(parts[0]) || !Topics.isValidId(parts[1]))
        throw new IllegalArgumentException(
            "gateways[" + i + "]: site/gateway is required, got '" + gateways.get(i) + "'");
      members.add(new GatewayId(parts[0], parts[1]));
    }
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var ps = c.prepareStatement("DELETE FROM gateway_tags WHERE tag = ?")) {
        ps.setString(1, tag);
        ps.executeUpdate();
      }
      try (var ps =
          c.prepareStatement(
              "INSERT INTO gateway_tags (tag, site, gateway) VALUES (?, ?, ?)"
                  + " ON CONFLICT DO NOTHING")) {
        for (GatewayId m : members) {
          ps.setString(1, tag);
          ps.setString(2, m.site());
          ps.setString(3, m.gateway());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      Audit.record(
          c,
          actor,
          "tag",
          null,
          null,
          members.isEmpty()
              ? "deleted tag " + tag
              : "tag " + tag + " = " + String.join(", ", gateways));
      c.commit();
    }
  }
}

package io.outfall.ingest.deploy;

import io.outfall.ingest.gateways.GatewayFleet;
import io.outfall.protocol.config.ConfigAck;
import io.outfall.protocol.config.ConfigMessage;
import io.outfall.protocol.config.ConfigSignature;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys configuration versions to gateways and follows each gateway to its outcome: pending
 * (chosen) → delivered (the broker holds the signed, retained config) → applied / rejected /
 * rolled_back (its acknowledgement) or timed_out (no acknowledgement within the rollout's time). A
 * rollout completes when every gateway applied, and fails when all have an outcome and one did not.
 * State lives in the database, so any ingest instance can answer for it and acknowledgements (heard
 * by every instance) update it idempotently.
 */
public final class Rollouts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Rollouts.class);

  public record GatewayState(
      String site, String gateway, String state, String reason, Instant updatedAt) {}

  public record Rollout(
      long id,
      String config,
      int seq,
      String label,
      String target,
      String state,
      int ackTimeoutSeconds,
      String createdBy,
      Instant createdAt,
      Instant finishedAt,
      List<GatewayState> gateways) {}

  private final DataSource ds;
  private final ConfigVersions versions;
  private final SigningKey key;
  private final GatewayFleet fleet;
  private final ScheduledExecutorService ticker;

  public Rollouts(DataSource ds, ConfigVersions versions, SigningKey key, GatewayFleet fleet) {
    this.ds = ds;
    this.versions = versions;
    this.key = key;
    this.fleet = fleet;
    fleet.onConfigAck(this::acknowledged);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outfall-rollouts"));
    // Timeouts are judged by the database clock, once a second, by every instance (idempotent).
    ticker.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Deploys version {@code seq} of {@code name} to {@code target}: {@code site/gateway} (known yet
   * or not: it gets the config when it connects), {@code site:<site>} or {@code all} (the gateways
   * heard of). Blocking: publishes to the broker.
   */
  public Rollout deploy(String name, int seq, String target, int ackTimeoutSeconds, String actor)
      throws Exception {
    ConfigVersions.Version v = versions.get(name, seq);
    if (v == null) throw new IllegalArgumentException("no configuration " + name + " #" + seq);
    List<String[]> gateways = resolve(target);
    long id;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var ps =
          c.prepareStatement(
              "INSERT INTO rollouts (config_id, target, state, ack_timeout_seconds, created_by)"
                  + " VALUES (?, ?, 'in_progress', ?, ?) RETURNING id")) {
        ps.setLong(1, v.id());
        ps.setString(2, target);
        ps.setInt(3, ackTimeoutSeconds);
        ps.setString(4, actor);
        try (var rs = ps.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      try (var ps =
          c.prepareStatement(
              "INSERT INTO rollout_gateways (rollout_id, site, gateway, state)"
                  + " VALUES (?, ?, ?, 'pending')")) {
        for (String[] g : gateways) {
          ps.setLong(1, id);
          ps.setString(2, g[0]);
          ps.setString(3, g[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      Audit.record(
          c,
          actor,
          "deploy",
          v.id(),
          id,
          name
              + " #"
              + seq
              + " ("
              + v.label()
              + ") to "
              + target
              + ": "
              + gateways.size()
              + " gateways");
      c.commit();
    }
    byte[] payload =
        ConfigSignature.sign(new ConfigMessage(v.label(), v.yaml(), null), key.privateKey())
            .encode();
    for (String[] g : gateways) {
      try {
        fleet.publishConfig(g[0], g[1], payload);
        update(id, g[1], "pending", "delivered", null);
      } catch (Exception e) {
        log.warn("rollout {}: {}/{} not delivered: {}", id, g[0], g[1], e.toString());
        continue; // stays pending, and times out unless a retry delivers it
      }
      // A gateway does not answer a configuration it runs already, nor one it answered before:
      // its status, or its retained acknowledgement, is the outcome.
      ConfigAck last = fleet.lastConfigAck(g[0], g[1]);
      if (v.hash().equals(fleet.activeConfigHash(g[0], g[1])))
        acknowledged(
            g[0],
            new ConfigAck(
                g[1], v.label(), v.hash(), ConfigAck.Outcome.APPLIED, "running already", 0));
      else if (last != null && last.hash().equals(v.hash())) acknowledged(g[0], last);
    }
    return get(id);
  }

  private List<String[]> resolve(String target) {
    if (target == null || target.isBlank())
      throw new IllegalArgumentException("target: site/gateway, site:<site> or all");
    List<String[]> out;
    if (target.equals("all")) out = fleet.known();
    else if (target.startsWith("site:")) {
      String site = target.substring(5);
      out = fleet.known().stream().filter(g -> g[0].equals(site)).toList();
    } else {
      String[] parts = target.split("/", -1);
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank())
        throw new IllegalArgumentException(
            "target: site/gateway, site:<site> or all, got '" + target + "'");
      out = List.<String[]>of(parts);
    }
    if (out.isEmpty())
      throw new IllegalArgumentException(
          "target " + target + ": no gateway has been heard of there");
    return out;
  }

  /** A gateway's acknowledgement: settles its open rows for the configuration it names. */
  private void acknowledged(String site, ConfigAck ack) {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE rollout_gateways g SET state = ?, reason = ?, updated_at = now()"
                    + " FROM rollouts r JOIN gateway_configs v ON v.id = r.config_id"
                    + " WHERE g.rollout_id = r.id AND g.site = ? AND g.gateway = ?"
                    + " AND g.state IN ('pending', 'delivered') AND v.hash = ?"
                    + " RETURNING g.rollout_id")) {
      ps.setString(1, ack.outcome().code());
      ps.setString(2, ack.reason());
      ps.setString(3, site);
      ps.setString(4, ack.gateway());
      ps.setString(5, ack.hash());
      List<Long> touched = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) touched.add(rs.getLong(1));
      }
      for (long id : touched) finishIfDone(c, id);
    } catch (SQLException e) {
      log.warn("config ack of {}: {}", ack.gateway(), e.toString());
    }
  }

  private void expire() {
    try (Connection c = ds.getConnection()) {
      List<Long> touched = new ArrayList<>();
      try (var st = c.createStatement();
          var rs =
              st.executeQuery(
                  "UPDATE rollout_gateways g SET state = 'timed_out', updated_at = now(),"
                      + " reason = 'no acknowledgement within ' || r.ack_timeout_seconds || ' s'"
                      + " FROM rollouts r WHERE g.rollout_id = r.id"
                      + " AND g.state IN ('pending', 'delivered')"
                      + " AND r.created_at + r.ack_timeout_seconds * interval '1 second' < now()"
                      + " RETURNING g.rollout_id")) {
        while (rs.next()) touched.add(rs.getLong(1));
      }
      for (long id : touched.stream().distinct().toList()) finishIfDone(c, id);
    } catch (SQLException | RuntimeException e) {
      log.debug("rollouts: {}", e.toString());
    }
  }

  /** Completes or fails a rollout once no gateway is open; records it in the audit log once. */
  private static void finishIfDone(Connection c, long id) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE rollouts SET finished_at = now(), state = CASE WHEN NOT EXISTS"
                + " (SELECT 1 FROM rollout_gateways WHERE rollout_id = ? AND state <> 'applied')"
                + " THEN 'completed' ELSE 'failed' END"
                + " WHERE id = ? AND state = 'in_progress' AND NOT EXISTS"
                + " (SELECT 1 FROM rollout_gateways WHERE rollout_id = ?"
                + "  AND state IN ('pending', 'delivered')) RETURNING state")) {
      ps.setLong(1, id);
      ps.setLong(2, id);
      ps.setLong(3, id);
      try (var rs = ps.executeQuery()) {
        if (rs.next()) Audit.record(c, "outfall", rs.getString(1), null, id, summary(c, id));
      }
    }
  }

  private static String summary(Connection c, long id) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "SELECT string_agg(state || '=' || n, ' ' ORDER BY state) FROM (SELECT state, count(*) n"
                + " FROM rollout_gateways WHERE rollout_id = ? GROUP BY state) x")) {
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private void update(long id, String gateway, String from, String to, String reason)
      throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE rollout_gateways SET state = ?, reason = ?, updated_at = now()"
                    + " WHERE rollout_id = ? AND gateway = ? AND state = ?")) {
      ps.setString(1, to);
      ps.setString(2, reason);
      ps.setLong(3, id);
      ps.setString(4, gateway);
      ps.setString(5, from);
      ps.executeUpdate();
    }
  }

  public Rollout get(long id) throws SQLException {
    List<Rollout> one = list("WHERE r.id = " + id, 1);
    return one.isEmpty() ? null : one.get(0);
  }

  public List<Rollout> recent(int limit) throws SQLException {
    return list("", limit);
  }

  private List<Rollout> list(String where, int limit) throws SQLException {
    Map<Long, Rollout> out = new LinkedHashMap<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT r.*, v.name, v.seq, v.label FROM rollouts r"
                    + " JOIN gateway_configs v ON v.id = r.config_id "
                    + where
                    + " ORDER BY r.id DESC LIMIT "
                    + limit)) {
      while (rs.next()) out.put(rs.getLong("id"), rollout(rs));
    }
    if (out.isEmpty()) return List.of();
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT * FROM rollout_gateways WHERE rollout_id = ANY (?) ORDER BY site, gateway")) {
      ps.setArray(1, c.createArrayOf("bigint", out.keySet().toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          out.get(rs.getLong("rollout_id"))
              .gateways()
              .add(
                  new GatewayState(
                      rs.getString("site"),
                      rs.getString("gateway"),
                      rs.getString("state"),
                      rs.getString("reason"),
                      rs.getTimestamp("updated_at").toInstant()));
      }
    }
    return new ArrayList<>(out.values());
  }

  private static Rollout rollout(ResultSet rs) throws SQLException {
    var finished = rs.getTimestamp("finished_at");
    return new Rollout(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getInt("seq"),
        rs.getString("label"),
        rs.getString("target"),
        rs.getString("state"),
        rs.getInt("ack_timeout_seconds"),
        rs.getString("created_by"),
        rs.getTimestamp("created_at").toInstant(),
        finished == null ? null : finished.toInstant(),
        new ArrayList<>());
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}

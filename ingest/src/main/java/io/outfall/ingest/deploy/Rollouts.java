package io.outfall.ingest.deploy;

import io.outfall.ingest.background.Daemons;
import io.outfall.ingest.fleet.GatewayFleet;
import io.outfall.ingest.fleet.GatewayId;
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

  /**
   * One gateway in a rollout.
   *
   * @param previous the version label it ran before (what a halted canary reverts it to), or null
   *     when it ran its local file or was not sent the version
   */
  public record GatewayState(
      String site,
      String gateway,
      String state,
      String reason,
      String previous,
      Instant updatedAt) {}

  /**
   * What to deploy where.
   *
   * @param rollback an engineer's return to an earlier version (audited as a rollback)
   */
  public record Plan(
      String config,
      int seq,
      String target,
      int ackTimeoutSeconds,
      int canaryPercent,
      boolean autoPromote,
      boolean rollback) {}

  public record Rollout(
      long id,
      String config,
      int seq,
      String label,
      String action,
      String target,
      String state,
      int canaryPercent,
      boolean autoPromote,
      int ackTimeoutSeconds,
      String createdBy,
      Instant createdAt,
      Instant finishedAt,
      List<GatewayState> gateways) {}

  private final DataSource ds;
  private final ConfigVersions versions;
  private final SigningKey key;
  private final GatewayFleet fleet;
  private final GatewayTags tags;
  private final ScheduledExecutorService ticker;

  public Rollouts(
      DataSource ds,
      ConfigVersions versions,
      SigningKey key,
      GatewayFleet fleet,
      GatewayTags tags) {
    this.ds = ds;
    this.versions = versions;
    this.key = key;
    this.fleet = fleet;
    this.tags = tags;
    fleet.onConfigAck(this::acknowledged);
    this.ticker = Daemons.scheduler("outfall-rollouts");
    // Timeouts are judged by the database clock, once a second, by every instance (idempotent).
    ticker.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Deploys a version to a target: {@code site/gateway} (known yet or not: it gets the config when
   * it connects), {@code site:<site>} or {@code all} (the gateways heard of), or {@code tag:<tag>}
   * (the gateways tagged so). Blocking: publishes to the broker.
   */
  public Rollout deploy(Plan plan, String actor) throws Exception {
    if (plan.canaryPercent() < 1 || plan.canaryPercent() > 100)
      throw new IllegalArgumentException("canary_percent must be 1 to 100");
    String name = plan.config();
    int seq = plan.seq();
    ConfigVersions.Version v = versions.get(name, seq);
    if (v == null) throw new IllegalArgumentException("no configuration " + name + " #" + seq);
    if (plan.rollback()) {
      int latest = versions.history(name).get(0).seq();
      if (seq >= latest)
        throw new IllegalArgumentException(
            "a rollback goes back to an earlier version; #" + latest + " is the latest of " + name);
    }
    String target = plan.target();
    List<GatewayId> gateways = resolve(target);
    // The canary: the first share of the gateways in site/gateway order, at least one.
    int canary = Math.max(1, (int) Math.ceil(gateways.size() * plan.canaryPercent() / 100.0));
    String action = plan.rollback() ? "rollback" : "deploy";
    long id;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var ps =
          c.prepareStatement(
              "INSERT INTO rollouts (config_id, target, state, ack_timeout_seconds, created_by,"
                  + " canary_percent, auto_promote, action)"
                  + " VALUES (?, ?, 'in_progress', ?, ?, ?, ?, ?) RETURNING id")) {
        ps.setLong(1, v.id());
        ps.setString(2, target);
        ps.setInt(3, plan.ackTimeoutSeconds());
        ps.setString(4, actor);
        ps.setInt(5, plan.canaryPercent());
        ps.setBoolean(6, plan.autoPromote());
        ps.setString(7, action);
        try (var rs = ps.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      try (var ps =
          c.prepareStatement(
              "INSERT INTO rollout_gateways (rollout_id, site, gateway, state, canary)"
                  + " VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 0; i < gateways.size(); i++) {
          ps.setLong(1, id);
          ps.setString(2, gateways.get(i).site());
          ps.setString(3, gateways.get(i).gateway());
          ps.setString(4, i < canary ? "pending" : "waiting");
          ps.setBoolean(5, i < canary);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      Audit.record(
          c,
          actor,
          action,
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
              + " gateways"
              + (canary < gateways.size() ? ", canary " + canary : ""));
      c.commit();
    }
    publish(id, v, gateways.subList(0, canary));
    return get(id);
  }

  /**
   * Sends a rollout that passed its canary to the gateways that waited for it. Blocking: publishes.
   */
  public Rollout promote(long id, String actor) throws Exception {
    List<GatewayId> waiting = new ArrayList<>();
    long configId;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (var ps =
          c.prepareStatement(
              "UPDATE rollouts SET state = 'in_progress' WHERE id = ? AND state = 'canary_passed'"
                  + " RETURNING config_id")) {
        ps.setLong(1, id);
        try (var rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            throw new IllegalArgumentException(
                "rollout " + id + " is not waiting for promotion (only a passed canary is)");
          }
          configId = rs.getLong(1);
        }
      }
      try (var ps =
          c.prepareStatement(
              "UPDATE rollout_gateways SET state = 'pending', updated_at = now()"
                  + " WHERE rollout_id = ? AND state = 'waiting' RETURNING site, gateway")) {
        ps.setLong(1, id);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) waiting.add(new GatewayId(rs.getString(1), rs.getString(2)));
        }
      }
      Audit.record(
          c, actor, "promote", configId, id, waiting.size() + " gateways after the canary");
      c.commit();
    }
    publish(id, versions.byId(configId), waiting);
    return get(id);
  }

  private byte[] signed(ConfigVersions.Version v) {
    return ConfigSignature.sign(new ConfigMessage(v.label(), v.yaml(), null), key.privateKey())
        .encode();
  }

  private void publish(long id, ConfigVersions.Version v, List<GatewayId> gateways)
      throws SQLException {
    byte[] payload = signed(v);
    for (GatewayId g : gateways) {
      rememberPrevious(id, g.site(), g.gateway());
      try {
        fleet.publishConfig(g.site(), g.gateway(), payload);
        update(id, g.gateway(), "pending", "delivered", null);
      } catch (Exception e) {
        log.warn("rollout {}: {} not delivered: {}", id, g, e.toString());
        continue; // stays pending, and times out unless a retry delivers it
      }
      // A gateway answers a configuration again when it sees it again, but one offline now
      // answered it before: its retained acknowledgement is the outcome until it returns. (Not its
      // status: that is refreshed every few seconds and may name what it ran before.)
      ConfigAck last = fleet.lastConfigAck(g.site(), g.gateway());
      if (last != null && last.hash().equals(v.hash())) acknowledged(g.site(), last);
    }
  }

  /**
   * Notes the version a gateway runs before it is sent another: the last one it applied through
   * Outfall, else the one its status names (applied through another server, or before the database
   * was restored). Null when it runs its local file: a halted canary cannot revert that.
   */
  private void rememberPrevious(long id, String site, String gateway) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE rollout_gateways SET previous_config_id = COALESCE("
                    + " (SELECT CASE WHEN g2.state = 'applied' THEN r2.config_id"
                    + "   ELSE g2.previous_config_id END"
                    + "  FROM rollout_gateways g2 JOIN rollouts r2 ON r2.id = g2.rollout_id"
                    + "  WHERE g2.site = ? AND g2.gateway = ? AND g2.rollout_id <> ?"
                    // rolled back or rejected: it kept what it ran before that rollout
                    + "  AND g2.state IN ('applied', 'rolled_back', 'rejected')"
                    + "  ORDER BY g2.updated_at DESC LIMIT 1),"
                    + " (SELECT id FROM gateway_configs WHERE hash = ? ORDER BY id DESC LIMIT 1))"
                    + " WHERE rollout_id = ? AND site = ? AND gateway = ?")) {
      ps.setString(1, site);
      ps.setString(2, gateway);
      ps.setLong(3, id);
      ps.setString(4, fleet.activeConfigHash(site, gateway));
      ps.setLong(5, id);
      ps.setString(6, site);
      ps.setString(7, gateway);
      ps.executeUpdate();
    }
  }

  private List<GatewayId> resolve(String target) throws SQLException {
    if (target == null || target.isBlank())
      throw new IllegalArgumentException("target: site/gateway, site:<site>, tag:<tag> or all");
    List<GatewayId> out;
    if (target.equals("all")) out = fleet.known();
    else if (target.startsWith("tag:")) out = tags.members(target.substring(4));
    else if (target.startsWith("site:")) {
      String site = target.substring(5);
      out = fleet.known().stream().filter(g -> g.site().equals(site)).toList();
    } else {
      String[] parts = target.split("/", -1);
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank())
        throw new IllegalArgumentException(
            "target: site/gateway, site:<site>, tag:<tag> or all, got '" + target + "'");
      out = List.of(new GatewayId(parts[0], parts[1]));
    }
    if (out.isEmpty())
      throw new IllegalArgumentException(
          "target " + target + ": no gateway has been heard of there");
    // site/gateway order: the canary is always the same gateways for the same target
    return out.stream().sorted().toList();
  }

  /**
   * A gateway's acknowledgement: settles its open rows for the configuration it names, and the rows
   * whose revert to that configuration it answers.
   */
  private void acknowledged(String site, ConfigAck ack) {
    try (Connection c = ds.getConnection()) {
      List<Long> touched = new ArrayList<>();
      try (var ps =
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
        try (var rs = ps.executeQuery()) {
          while (rs.next()) touched.add(rs.getLong(1));
        }
      }
      boolean applied = ack.outcome() == ConfigAck.Outcome.APPLIED;
      try (var ps =
          c.prepareStatement(
              "UPDATE rollout_gateways g SET state = ?, updated_at = now(), reason = ?"
                  + " FROM gateway_configs p WHERE p.id = g.previous_config_id"
                  + " AND g.site = ? AND g.gateway = ? AND g.state = 'reverting' AND p.hash = ?")) {
        ps.setString(1, applied ? "rolled_back" : "revert_failed");
        ps.setString(
            2,
            applied
                ? "reverted to " + ack.version() + " after the canary failed"
                : "revert to " + ack.version() + " " + ack.outcome().code() + ": " + ack.reason());
        ps.setString(3, site);
        ps.setString(4, ack.gateway());
        ps.setString(5, ack.hash());
        ps.executeUpdate();
      }
      for (long id : touched) finishIfDone(c, id);
    } catch (SQLException e) {
      log.warn("config ack of {}: {}", ack.gateway(), e.toString());
    }
  }

  /** A canary gateway sent back the configuration it ran before the rollout. */
  private record Revert(String site, String gateway, long previousConfigId) {}

  /**
   * A halted canary: the canary gateways that applied the version go back to what they ran before
   * (those that rejected it or rolled back run that already). A gateway that ran its local file
   * keeps the version: there is no earlier server version to send it, and the engineer decides.
   * Marked in the transaction that halts the rollout, so that nobody sees it halted with a canary
   * still counted as applied; sent by {@link #sendBack} once that transaction committed.
   */
  private static List<Revert> markCanaryReverting(Connection c, long id) throws SQLException {
    List<Revert> reverting = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "UPDATE rollout_gateways g SET updated_at = now(),"
                + " state = CASE WHEN previous_config_id IS NULL THEN 'applied'"
                + "   ELSE 'reverting' END,"
                + " reason = CASE WHEN previous_config_id IS NULL"
                + "   THEN 'the canary failed elsewhere; it ran its local configuration before,"
                + " so nothing was sent back' ELSE 'the canary failed elsewhere: sending back '"
                + "   || (SELECT label FROM gateway_configs p WHERE p.id = previous_config_id)"
                + " END"
                + " WHERE rollout_id = ? AND state = 'applied' AND canary"
                + " RETURNING site, gateway, previous_config_id")) {
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        while (rs.next())
          if (rs.getObject(3) != null)
            reverting.add(new Revert(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
    }
    for (Revert g : reverting)
      Audit.record(
          c,
          "outfall",
          "rollback",
          g.previousConfigId(),
          id,
          g.site() + "/" + g.gateway() + " sent back its previous version: the canary failed");
    return reverting;
  }

  private void sendBack(long id, List<Revert> reverting) {
    for (Revert g : reverting) {
      try {
        ConfigVersions.Version previous = versions.byId(g.previousConfigId());
        // it answers, even if it runs it already
        fleet.publishConfig(g.site(), g.gateway(), signed(previous));
      } catch (Exception e) {
        log.warn("rollout {}: {}/{} not sent back: {}", id, g.site(), g.gateway(), e.toString());
      }
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
      try (var st = c.createStatement()) {
        st.executeUpdate(
            "UPDATE rollout_gateways g SET state = 'revert_failed', updated_at = now(),"
                + " reason = 'no acknowledgement of the revert within ' || r.ack_timeout_seconds"
                + " || ' s' FROM rollouts r WHERE g.rollout_id = r.id AND g.state = 'reverting'"
                + " AND g.updated_at + r.ack_timeout_seconds * interval '1 second' < now()");
      }
      for (long id : touched.stream().distinct().toList()) finishIfDone(c, id);
    } catch (SQLException | RuntimeException e) {
      log.debug("rollouts: {}", e.toString());
    }
  }

  /**
   * Once no gateway of a rollout is open: a failure halts it (the gateways still waiting never get
   * it) or fails it; otherwise a canary passes (and is promoted when the rollout says so) or the
   * rollout completes. Recorded in the audit log once.
   */
  private void finishIfDone(Connection c, long id) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false); // the new state, the skipped and the reverting rows: seen together
    try {
      Runnable next = finishIfDoneInTransaction(c, id);
      c.commit();
      // Publishing blocks on the broker, so not on the thread that delivered an ack; and only now
      // that the rows say what was decided, where the gateways' answers and the promotion look.
      if (next != null) ticker.execute(next);
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Returns what to do once this commits: send a halted canary back, promote a passed one. */
  private Runnable finishIfDoneInTransaction(Connection c, long id) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "UPDATE rollouts r SET state = x.next,"
                // a passed canary is not finished: it waits for its promotion
                + " finished_at = CASE WHEN x.next = 'canary_passed' THEN NULL ELSE now() END"
                + " FROM (SELECT CASE"
                + "   WHEN bool_or(state IN ('rejected', 'rolled_back', 'timed_out'))"
                + "   THEN CASE WHEN bool_or(state = 'waiting') THEN 'halted' ELSE 'failed' END"
                + "   WHEN bool_or(state = 'waiting') THEN 'canary_passed' ELSE 'completed' END AS next,"
                + "   bool_or(state IN ('pending', 'delivered')) AS open"
                + "   FROM rollout_gateways WHERE rollout_id = ?) x"
                + " WHERE r.id = ? AND r.state = 'in_progress' AND NOT x.open"
                + " RETURNING r.state, r.auto_promote")) {
      ps.setLong(2, id);
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return null;
        String state = rs.getString(1);
        Runnable next = null;
        if (state.equals("halted")) {
          try (var skip =
              c.prepareStatement(
                  "UPDATE rollout_gateways SET state = 'skipped', updated_at = now(),"
                      + " reason = 'the canary failed' WHERE rollout_id = ? AND state = 'waiting'")) {
            skip.setLong(1, id);
            skip.executeUpdate();
          }
          List<Revert> reverting = markCanaryReverting(c, id);
          next = () -> sendBack(id, reverting);
        }
        Audit.record(c, "outfall", state, null, id, summary(c, id));
        if (state.equals("canary_passed") && rs.getBoolean(2))
          next =
              () -> {
                try {
                  promote(id, "outfall");
                } catch (Exception e) {
                  log.warn("rollout {}: automatic promotion failed: {}", id, e.toString());
                }
              };
        return next;
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
                "SELECT g.*, p.label AS previous FROM rollout_gateways g"
                    + " LEFT JOIN gateway_configs p ON p.id = g.previous_config_id"
                    + " WHERE g.rollout_id = ANY (?) ORDER BY g.site, g.gateway")) {
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
                      rs.getString("previous"),
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
        rs.getString("action"),
        rs.getString("target"),
        rs.getString("state"),
        rs.getInt("canary_percent"),
        rs.getBoolean("auto_promote"),
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

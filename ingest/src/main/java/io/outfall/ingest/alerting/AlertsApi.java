package io.outfall.ingest.alerting;

import io.outfall.alerts.permits.EffectiveLimits;
import io.outfall.alerts.standards.Limit;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.QueryParams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * HTTP API of alerts, silences and permits. Who acts is taken from the {@code X-Outfall-User}
 * header (until authentication lands) and recorded with every change.
 */
public final class AlertsApi {
  private static final Set<String> STATES =
      Set.of("active", "open", "acknowledged", "resolved", "all");
  private static final String COLUMNS =
      "id, station, parameter, kind, family, state, started_at, resolved_at, acknowledged_at, acknowledged_by, escalated_at, silenced,"
          + " value, peak, limit_value, factor, band, window_start, window_end, standard, detail";

  private final DataSource ds;
  private final PermitStore permits;
  private final WorkerExecutor workers;

  public AlertsApi(Vertx vertx, DataSource ds, PermitStore permits) {
    this.ds = ds;
    this.permits = permits;
    this.workers = vertx.createSharedWorkerExecutor("outfall-api-alerts", 4, 60, TimeUnit.SECONDS);
  }

  public void mount(Router r) {
    r.route("/api/alerts*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    r.route("/api/silences*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    r.route("/api/permits*").handler(BodyHandler.create().setBodyLimit(256 * 1024));
    r.get("/api/alerts").handler(this::list);
    r.get("/api/alerts/:id").handler(this::one);
    r.post("/api/alerts/:id/acknowledge").handler(this::acknowledge);
    r.get("/api/silences").handler(this::silences);
    r.post("/api/silences").handler(this::silence);
    r.delete("/api/silences/:id").handler(this::expire);
    r.get("/api/permits").handler(this::permitList);
    r.get("/api/permits/:station").handler(this::permit);
    r.put("/api/permits/:station").handler(this::putPermit);
  }

  private void list(RoutingContext ctx) {
    String state = param(ctx, "state", "active");
    if (!STATES.contains(state))
      throw ApiError.badRequest("state must be one of " + STATES + ", got '" + state + "'");
    String station = ctx.request().getParam("station");
    String kind = ctx.request().getParam("kind");
    String family = ctx.request().getParam("family");
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    String stateFilter =
        switch (state) {
          case "active" -> "state <> 'resolved'";
          case "all" -> "true";
          default -> "state = '" + state + "'";
        };
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection();
              var ps =
                  c.prepareStatement(
                      "SELECT "
                          + COLUMNS
                          + " FROM alerts WHERE "
                          + stateFilter
                          + " AND (?::text IS NULL OR station = ?) AND (?::text IS NULL OR kind = ?) AND (?::text IS NULL OR family = ?)"
                          + " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?")) {
            ps.setString(1, station);
            ps.setString(2, station);
            ps.setString(3, kind);
            ps.setString(4, kind);
            ps.setString(5, family);
            ps.setString(6, family);
            ps.setInt(7, limit + 1);
            ps.setInt(8, offset);
            JsonArray items = new JsonArray();
            try (var rs = ps.executeQuery()) {
              while (rs.next()) items.add(alert(rs));
            }
            JsonObject body = new JsonObject().put("limit", limit).put("offset", offset);
            if (items.size() > limit) {
              items.remove(limit);
              body.put("next_offset", offset + limit);
            }
            return body.put("items", items);
          }
        });
  }

  private void one(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection()) {
            JsonObject alert;
            try (var ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alerts WHERE id = ?")) {
              ps.setLong(1, id);
              try (var rs = ps.executeQuery()) {
                if (!rs.next()) throw ApiError.notFound("no alert " + id);
                alert = alert(rs);
              }
            }
            JsonArray events =
                rows(
                    c,
                    "SELECT at, event, actor, detail FROM alert_events WHERE alert_id = ? ORDER BY at, id",
                    id,
                    rs ->
                        new JsonObject()
                            .put("at", rs.getTimestamp(1).toInstant())
                            .put("event", rs.getString(2))
                            .put("actor", rs.getString(3))
                            .put("detail", rs.getString(4)));
            JsonArray notifications =
                rows(
                    c,
                    "SELECT event, channel, attempts, delivered_at, last_error FROM notification_outbox WHERE alert_id = ? ORDER BY id",
                    id,
                    rs ->
                        new JsonObject()
                            .put("event", rs.getString(1))
                            .put("channel", rs.getString(2))
                            .put("attempts", rs.getInt(3))
                            .put("delivered_at", instant(rs.getTimestamp(4)))
                            .put("last_error", rs.getString(5)));
            return alert.put("events", events).put("notifications", notifications);
          }
        });
  }

  private interface Row {
    JsonObject of(java.sql.ResultSet rs) throws SQLException;
  }

  /** The rows of a query keyed by one id, as JSON. */
  private static JsonArray rows(Connection c, String sql, long id, Row row) throws SQLException {
    JsonArray out = new JsonArray();
    try (var ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(row.of(rs));
      }
    }
    return out;
  }

  private void acknowledge(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    String user = QueryParams.user(ctx);
    String comment = JsonBody.of(ctx, false).text("comment");
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (var ps =
                c.prepareStatement(
                    "UPDATE alerts SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = ?, updated_at = now() WHERE id = ? AND state = 'open' RETURNING "
                        + COLUMNS)) {
              ps.setString(1, user);
              ps.setLong(2, id);
              try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                  c.rollback();
                  throw conflictOrMissing(c, id);
                }
                JsonObject alert = alert(rs);
                AlertStore.event(c, id, "acknowledged", user, comment);
                c.commit();
                return alert;
              }
            }
          }
        });
  }

  private ApiError conflictOrMissing(Connection c, long id) throws SQLException {
    try (var ps = c.prepareStatement("SELECT state FROM alerts WHERE id = ?")) {
      ps.setLong(1, id);
      try (var rs = ps.executeQuery()) {
        if (!rs.next()) return ApiError.notFound("no alert " + id);
        return new ApiError(
            409,
            "alert " + id + " is " + rs.getString(1) + ", only an open alert can be acknowledged");
      }
    }
  }

  private void silences(RoutingContext ctx) {
    boolean activeOnly = !"false".equals(ctx.request().getParam("active"));
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection();
              var st = c.createStatement();
              var rs =
                  st.executeQuery(
                      "SELECT id, station, parameter, kind, starts_at, ends_at, reason, created_by, created_at FROM silences"
                          + (activeOnly ? " WHERE ends_at > now()" : "")
                          + " ORDER BY starts_at DESC LIMIT 1000")) {
            JsonArray items = new JsonArray();
            while (rs.next()) items.add(silence(rs));
            return new JsonObject().put("items", items);
          }
        });
  }

  private void silence(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String user = QueryParams.user(ctx);
    Instant starts = parseInstant(b, "starts_at", Instant.now());
    Instant ends = parseInstant(b, "ends_at", null);
    String station = b.text("station");
    String parameter = b.text("parameter");
    String kind = b.text("kind");
    if (ends == null) throw ApiError.badRequest("ends_at is required (ISO-8601 with an offset)");
    if (!ends.isAfter(starts)) throw ApiError.badRequest("ends_at must be after starts_at");
    String reason = b.text("reason");
    if (reason == null || reason.isBlank())
      throw ApiError.badRequest("reason is required (e.g. 'planned COD analyzer calibration')");
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection();
              var ps =
                  c.prepareStatement(
                      "INSERT INTO silences (station, parameter, kind, starts_at, ends_at, reason, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
                          + " RETURNING id, station, parameter, kind, starts_at, ends_at, reason, created_by, created_at")) {
            ps.setString(1, station);
            ps.setString(2, parameter);
            ps.setString(3, kind);
            ps.setTimestamp(4, Timestamp.from(starts));
            ps.setTimestamp(5, Timestamp.from(ends));
            ps.setString(6, reason);
            ps.setString(7, user);
            try (var rs = ps.executeQuery()) {
              rs.next();
              return silence(rs);
            }
          }
        },
        201);
  }

  private void expire(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection();
              var ps =
                  c.prepareStatement(
                      "UPDATE silences SET ends_at = now(), starts_at = least(starts_at, now() - interval '1 millisecond')"
                          // a silence that has not begun yet is cancelled: it keeps a 1 ms span
                          + " WHERE id = ? AND ends_at > now()"
                          + " RETURNING id, station, parameter, kind, starts_at, ends_at, reason, created_by, created_at")) {
            ps.setLong(1, id);
            try (var rs = ps.executeQuery()) {
              if (!rs.next()) throw ApiError.notFound("no active silence " + id);
              return silence(rs);
            }
          }
        });
  }

  private void permitList(RoutingContext ctx) {
    run(
        ctx,
        () -> {
          try (Connection c = ds.getConnection()) {
            JsonArray items = new JsonArray();
            for (var v : permits.currentAll(c).values()) items.add(version(v));
            return new JsonObject().put("items", items);
          }
        });
  }

  private void permit(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    run(
        ctx,
        () -> {
          List<PermitStore.Version> history = permits.history(station);
          if (history.isEmpty()) throw ApiError.notFound("no permit for station '" + station + "'");
          JsonArray versions = new JsonArray();
          history.forEach(v -> versions.add(version(v)));
          return version(history.get(0))
              .put("document", history.get(0).document())
              .put("limits", limits(permits.schedule(history.get(0)).at(Instant.now())))
              .put("history", versions);
        });
  }

  private void putPermit(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    String yaml = ctx.body().asString();
    if (yaml == null || yaml.isBlank())
      throw ApiError.badRequest("the body must be the permit YAML");
    String user = QueryParams.user(ctx);
    String comment = ctx.request().getParam("comment");
    run(
        ctx,
        () -> {
          try {
            return version(permits.put(station, yaml, user, comment)).put("document", yaml);
          } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
          }
        });
  }

  private void run(RoutingContext ctx, Callable<JsonObject> work) {
    run(ctx, work, 200);
  }

  private void run(RoutingContext ctx, Callable<JsonObject> work, int status) {
    Future<JsonObject> f = workers.executeBlocking(work, false);
    f.onSuccess(
            body ->
                ctx.response()
                    .setStatusCode(status)
                    .putHeader("content-type", "application/json")
                    .end(body.encode()))
        .onFailure(ctx::fail);
  }

  private static JsonObject alert(ResultSet rs) throws SQLException {
    return new JsonObject()
        .put("id", rs.getLong("id"))
        .put("station", rs.getString("station"))
        .put("parameter", rs.getString("parameter"))
        .put("kind", rs.getString("kind"))
        .put("family", rs.getString("family"))
        .put("state", rs.getString("state"))
        .put("started_at", instant(rs.getTimestamp("started_at")))
        .put("resolved_at", instant(rs.getTimestamp("resolved_at")))
        .put("acknowledged_at", instant(rs.getTimestamp("acknowledged_at")))
        .put("acknowledged_by", rs.getString("acknowledged_by"))
        .put("escalated_at", instant(rs.getTimestamp("escalated_at")))
        .put("silenced", rs.getBoolean("silenced"))
        .put("value", rs.getObject("value"))
        .put("peak", rs.getObject("peak"))
        .put("limit", rs.getString("limit_value"))
        .put("factor", rs.getObject("factor"))
        .put("band", rs.getString("band"))
        .put("window_start", instant(rs.getTimestamp("window_start")))
        .put("window_end", instant(rs.getTimestamp("window_end")))
        .put("standard", rs.getString("standard"))
        .put("detail", rs.getString("detail"));
  }

  private static JsonObject silence(ResultSet rs) throws SQLException {
    return new JsonObject()
        .put("id", rs.getLong(1))
        .put("station", rs.getString(2))
        .put("parameter", rs.getString(3))
        .put("kind", rs.getString(4))
        .put("starts_at", instant(rs.getTimestamp(5)))
        .put("ends_at", instant(rs.getTimestamp(6)))
        .put("reason", rs.getString(7))
        .put("created_by", rs.getString(8))
        .put("created_at", instant(rs.getTimestamp(9)));
  }

  private static JsonObject version(PermitStore.Version v) {
    return new JsonObject()
        .put("station", v.station())
        .put("version", v.version())
        .put("changed_by", v.changedBy())
        .put("comment", v.comment())
        .put("created_at", v.createdAt());
  }

  /** The limits in force, as charts draw them: {"COD": {"max": 148.5, "unit": "mg/L", ...}}. */
  private static JsonObject limits(EffectiveLimits limits) {
    JsonObject out = new JsonObject();
    if (limits == null) return out;
    limits
        .limits()
        .forEach(
            (parameter, e) -> {
              JsonObject l =
                  new JsonObject().put("unit", e.unit()).put("derivation", e.derivation());
              if (e.limit() instanceof Limit.Range range)
                l.put("min", range.min()).put("max", range.max());
              else if (e.limit() instanceof Limit.Maximum max) l.put("max", max.max());
              out.put(parameter, l);
            });
    return out;
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private static String param(RoutingContext ctx, String name, String dflt) {
    String v = ctx.request().getParam(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  private static Instant parseInstant(JsonBody b, String field, Instant dflt) {
    String v = b.text(field);
    if (v == null) return dflt;
    try {
      return java.time.OffsetDateTime.parse(v).toInstant();
    } catch (RuntimeException e) {
      throw ApiError.badRequest(field + " must be ISO-8601 with an offset, got '" + v + "'");
    }
  }
}

package io.outfall.ingest.alerts;

import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.compliance.permits.PermitSchedule;
import io.outfall.compliance.standards.Limit;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.QueryParams;
import io.outfall.ingest.http.Responder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * HTTP API of alerts, silences and permits. Who acts is the signed-in user of the request ({@link
 * HttpAccess#actor}), recorded with every change: the acknowledging user, a silence's author, a
 * permit version's author.
 */
public final class AlertsApi {
  private static final Set<String> STATES =
      Set.of("active", "open", "acknowledged", "resolved", "all");

  private final AlertQueries queries;
  private final EvidencePack evidence;
  private final PermitStore permits;
  private final Responder responder;

  public AlertsApi(Responder responder, DataSource ds, PermitStore permits) {
    this.queries = new AlertQueries(ds);
    // plants' local time beside UTC in the pack's files
    this.evidence = new EvidencePack(ds, queries, permits, PermitSchedule.LOCAL);
    this.permits = permits;
    this.responder = responder;
  }

  public void mount(Router r) {
    r.route("/api/alerts*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    r.route("/api/silences*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    r.route("/api/permits*").handler(BodyHandler.create().setBodyLimit(256 * 1024));
    r.get("/api/alerts").handler(this::list);
    r.get("/api/alerts/:id").handler(this::one);
    r.post("/api/alerts/:id/acknowledge").handler(this::acknowledge);
    r.get("/api/alerts/:id/evidence").handler(this::evidence);
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
    AlertQueries.Filter filter = AlertQueries.Filter.valueOf(state.toUpperCase(Locale.ROOT));
    String station = ctx.request().getParam("station");
    String kind = ctx.request().getParam("kind");
    String family = ctx.request().getParam("family");
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    responder.json(
        ctx,
        () -> {
          List<AlertQueries.Alert> found =
              queries.list(filter, station, kind, family, limit, offset);
          JsonArray items = new JsonArray();
          found.stream().limit(limit).forEach(a -> items.add(alert(a)));
          JsonObject body = new JsonObject().put("limit", limit).put("offset", offset);
          if (found.size() > limit) body.put("next_offset", offset + limit);
          return body.put("items", items);
        });
  }

  private void one(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    responder.json(
        ctx,
        () -> {
          return detail(queries.detail(id).orElseThrow(() -> ApiError.notFound("no alert " + id)));
        });
  }

  /** An alert with its timeline and notifications, as the API and an evidence pack give it. */
  static JsonObject detail(AlertQueries.Detail d) {
    JsonArray events = new JsonArray();
    for (AlertQueries.Event e : d.events())
      events.add(
          new JsonObject()
              .put("at", e.at())
              .put("event", e.event())
              .put("actor", e.actor())
              .put("detail", e.detail()));
    JsonArray notifications = new JsonArray();
    for (AlertQueries.Notification n : d.notifications())
      notifications.add(
          new JsonObject()
              .put("event", n.event())
              .put("channel", n.channel())
              .put("attempts", n.attempts())
              .put("delivered_at", n.deliveredAt())
              .put("last_error", n.lastError()));
    return alert(d.alert()).put("events", events).put("notifications", notifications);
  }

  /**
   * The evidence of a breach episode for an inspection, as a zip (inspector, admin): see {@link
   * EvidencePack}. Written to a temporary file on a worker, sent from it, then removed.
   */
  private void evidence(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    String by = HttpAccess.actor(ctx);
    responder
        .blocking(
            () -> {
              Path zip = Files.createTempFile("outfall-evidence-" + id + "-", ".zip");
              try {
                evidence.write(id, by, Instant.now(), zip);
                return zip;
              } catch (Exception e) {
                Files.deleteIfExists(zip);
                throw e;
              }
            })
        .onSuccess(
            zip -> {
              ctx.response()
                  .putHeader("content-type", "application/zip")
                  .putHeader(
                      "content-disposition", Responder.attachment("alert-" + id + "-evidence.zip"))
                  .sendFile(zip.toString())
                  .onComplete(
                      done ->
                          responder.blocking(
                              () -> {
                                Files.deleteIfExists(zip);
                                return null;
                              }));
            })
        .onFailure(ctx::fail);
  }

  private void acknowledge(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    String user = HttpAccess.actor(ctx);
    String comment = JsonBody.of(ctx, false).text("comment");
    responder.json(
        ctx,
        () -> {
          var done = queries.acknowledge(id, user, comment);
          if (done.isPresent()) return alert(done.get());
          String state = queries.state(id).orElseThrow(() -> ApiError.notFound("no alert " + id));
          throw new ApiError(
              409, "alert " + id + " is " + state + ", only an open alert can be acknowledged");
        });
  }

  private void silences(RoutingContext ctx) {
    boolean activeOnly = !"false".equals(ctx.request().getParam("active"));
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          queries.silences(activeOnly).forEach(x -> items.add(silence(x)));
          return new JsonObject().put("items", items);
        });
  }

  private void silence(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String user = HttpAccess.actor(ctx);
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
    responder.json(
        ctx,
        201,
        () -> silence(queries.silence(station, parameter, kind, starts, ends, reason, user)));
  }

  private void expire(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    responder.json(
        ctx,
        () ->
            silence(
                queries
                    .expire(id)
                    .orElseThrow(() -> ApiError.notFound("no active silence " + id))));
  }

  private void permitList(RoutingContext ctx) {
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          for (var v : permits.currentAll().values()) items.add(version(v));
          return new JsonObject().put("items", items);
        });
  }

  private void permit(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    responder.json(
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
    String user = HttpAccess.actor(ctx);
    String comment = ctx.request().getParam("comment");
    responder.json(
        ctx,
        () -> {
          try {
            return version(permits.put(station, yaml, user, comment)).put("document", yaml);
          } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
          }
        });
  }

  private static JsonObject alert(AlertQueries.Alert a) {
    return new JsonObject()
        .put("id", a.id())
        .put("station", a.station())
        .put("parameter", a.parameter())
        .put("kind", a.kind())
        .put("family", a.family())
        .put("state", a.state())
        .put("started_at", a.startedAt())
        .put("resolved_at", a.resolvedAt())
        .put("acknowledged_at", a.acknowledgedAt())
        .put("acknowledged_by", a.acknowledgedBy())
        .put("escalated_at", a.escalatedAt())
        .put("silenced", a.silenced())
        .put("value", a.value())
        .put("peak", a.peak())
        .put("limit", a.limit())
        .put("factor", a.factor())
        .put("band", a.band())
        .put("window_start", a.windowStart())
        .put("window_end", a.windowEnd())
        .put("standard", a.standard())
        .put("detail", a.detail());
  }

  private static JsonObject silence(AlertQueries.Silence x) {
    return new JsonObject()
        .put("id", x.id())
        .put("station", x.station())
        .put("parameter", x.parameter())
        .put("kind", x.kind())
        .put("starts_at", x.startsAt())
        .put("ends_at", x.endsAt())
        .put("reason", x.reason())
        .put("created_by", x.createdBy())
        .put("created_at", x.createdAt());
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
    limits.limits().forEach((parameter, e) -> out.put(parameter, limit(e)));
    return out;
  }

  /** One parameter's limit: {"max": 148.5, "unit": "mg/L", "derivation": "C 150 × Kq 0.9 …"}. */
  static JsonObject limit(EffectiveLimits.Entry e) {
    JsonObject l = new JsonObject().put("unit", e.unit()).put("derivation", e.derivation());
    if (e.limit() instanceof Limit.Range range) l.put("min", range.min()).put("max", range.max());
    else if (e.limit() instanceof Limit.Maximum max) l.put("max", max.max());
    return l;
  }

  private static String param(RoutingContext ctx, String name, String dflt) {
    String v = ctx.request().getParam(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  private static Instant parseInstant(JsonBody b, String field, Instant dflt) {
    String v = b.text(field);
    if (v == null) return dflt;
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (RuntimeException e) {
      throw ApiError.badRequest(field + " must be ISO-8601 with an offset, got '" + v + "'");
    }
  }
}

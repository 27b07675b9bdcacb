package io.outfall.ingest.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.access.Principal;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.storage.Database;
import io.outfall.ingest.storage.ParameterCatalog;
import io.outfall.ingest.storage.ReadingQueries;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, /metrics and the web UI. Handlers run on the event loop and never block: every
 * database call goes through {@link #blocking}, which runs it on a Vert.x worker thread.
 */
public final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final int MAX_RAW_POINTS = 100_000;
  static final int MAX_BUCKETS = 20_000;

  /** What the health endpoint looks at. */
  public record HealthSources(
      BooleanSupplier brokerConnected,
      String brokerUrl,
      BooleanSupplier writerDatabaseUp,
      IntSupplier queuedMessages) {}

  private final Vertx vertx;
  private final Database database;
  private final ReadingQueries queries;
  private final ParameterCatalog catalog;
  private final PrometheusMeterRegistry registry;
  private final HealthSources health;
  private final java.util.function.Consumer<Router> extraRoutes;
  private final HttpAccess access;
  private final WorkerExecutor queryWorkers;
  private final WorkerExecutor metricsWorker;

  public HttpApi(
      Vertx vertx,
      Database database,
      ParameterCatalog catalog,
      PrometheusMeterRegistry registry,
      HealthSources health,
      HttpAccess access,
      java.util.function.Consumer<Router> extraRoutes) {
    this.access = access;
    this.vertx = vertx;
    this.database = database;
    this.queries = new ReadingQueries(database.dataSource());
    this.catalog = catalog;
    this.registry = registry;
    this.health = health;
    this.extraRoutes = extraRoutes;
    this.queryWorkers =
        vertx.createSharedWorkerExecutor("outfall-api-queries", 8, 60, TimeUnit.SECONDS);
    this.metricsWorker = vertx.createSharedWorkerExecutor("outfall-metrics-scrape", 1);
  }

  public Router router() {
    Router r = Router.router(vertx);
    // PostgreSQL text cannot hold NUL: a %00 anywhere in a path or query would reach a query as an
    // internal error, so it is the client's error here, for every route at once.
    r.route()
        .handler(
            ctx -> {
              if (ctx.request().uri().toLowerCase(java.util.Locale.ROOT).contains("%00"))
                fail(ctx, ApiError.badRequest("the path or query contains a NUL character (%00)"));
              else ctx.next();
            });
    r.route().handler(access::gate);
    access.mount(r);
    r.get("/api/health").handler(this::health);
    r.get("/api/parameters").handler(this::parameters);
    r.get("/api/stations").handler(this::stations);
    r.get("/api/stations/:station/readings").handler(this::readings);
    r.get("/api/openapi.yaml")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/yaml")
                    .sendFile("api/openapi.yaml"));
    r.get("/metrics").handler(this::metrics);
    extraRoutes.accept(r);
    r.route("/api/*")
        .handler(
            ctx ->
                fail(
                    ctx,
                    ApiError.notFound(
                        "no such endpoint: "
                            + ctx.request().method()
                            + " "
                            + ctx.request().path()
                            + " (see /api/openapi.yaml)")));
    // uPlot and other WebJars: versioned paths, so browsers may keep them
    r.route("/webjars/*")
        .handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    r.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    r.route().failureHandler(ctx -> fail(ctx, ctx.failure()));
    return r;
  }

  private void health(RoutingContext ctx) {
    // Only in-memory state, so that it answers at once even while the database is down.
    Future.succeededFuture(database.reachable())
        .onComplete(
            ar -> {
              boolean db = ar.result() && health.writerDatabaseUp().getAsBoolean();
              boolean broker = health.brokerConnected().getAsBoolean();
              boolean up = db && broker;
              var body =
                  new JsonObject()
                      .put("status", up ? "up" : "down")
                      .put(
                          "broker",
                          new JsonObject()
                              .put("status", broker ? "up" : "down")
                              .put("url", health.brokerUrl()))
                      .put(
                          "database",
                          new JsonObject()
                              .put("status", db ? "up" : "down")
                              .put("engine", database.engine().describe())
                              .put("timescaledb", database.engine().timescale()))
                      .put(
                          "queue",
                          new JsonObject().put("messages", health.queuedMessages().getAsInt()));
              ctx.response()
                  .setStatusCode(up ? 200 : 503)
                  .putHeader("content-type", "application/json")
                  .end(body.encodePrettily());
            });
  }

  private void parameters(RoutingContext ctx) {
    JsonArray items = new JsonArray();
    for (ParameterCatalog.Parameter p : catalog.all()) {
      items.add(
          new JsonObject()
              .put("code", p.code())
              .put("unit", p.unit())
              .put("kind", p.kind())
              .put("name_en", p.nameEn())
              .put("name_vi", p.nameVi()));
    }
    json(ctx, new JsonObject().put("items", items));
  }

  private void stations(RoutingContext ctx) {
    String site = ctx.request().getParam("site");
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    Principal who = HttpAccess.principal(ctx);
    java.util.Set<String> only = who.role() == Role.OPERATOR ? who.sites() : null;
    blocking(() -> queries.stations(site, only, limit + 1, offset))
        .onSuccess(
            list -> {
              JsonArray items = new JsonArray();
              list.stream()
                  .limit(limit)
                  .forEach(
                      s ->
                          items.add(
                              new JsonObject()
                                  .put("code", s.code())
                                  .put("site", s.site())
                                  .put("name", s.name())
                                  .put("gateway", s.gateway())
                                  .put("first_reading", s.firstReading())
                                  .put("last_reading", s.lastReading())
                                  .put("parameters", new JsonArray(s.parameters()))));
              JsonObject body =
                  new JsonObject().put("items", items).put("limit", limit).put("offset", offset);
              if (list.size() > limit) body.put("next_offset", offset + limit);
              json(ctx, body);
            })
        .onFailure(ctx::fail);
  }

  private void readings(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    Instant to = QueryParams.instant(ctx, "to", Instant.now());
    Instant from = QueryParams.instant(ctx, "from", to.minus(Duration.ofHours(24)));
    if (!from.isBefore(to)) throw ApiError.badRequest("from must be before to");
    Duration step = QueryParams.step(ctx);
    ZoneId zone = QueryParams.zone(ctx);
    int limit = QueryParams.intParam(ctx, "limit", 10_000, 1, MAX_RAW_POINTS);
    if (step != null && Duration.between(from, to).dividedBy(step) > MAX_BUCKETS) {
      throw ApiError.badRequest(
          "from..to at step "
              + step
              + " makes more than "
              + MAX_BUCKETS
              + " buckets: use a larger step");
    }
    List<ParameterCatalog.Parameter> params = new ArrayList<>();
    String wanted = ctx.request().getParam("parameter");
    if (wanted != null && !wanted.isBlank()) {
      for (String code : wanted.split(",")) {
        ParameterCatalog.Parameter p = catalog.byCode(code.trim());
        if (p == null)
          throw ApiError.badRequest(
              "unknown parameter '" + code.trim() + "' (see /api/parameters)");
        params.add(p);
      }
    }
    Instant origin = LocalDate.of(2000, 1, 1).atStartOfDay(zone).toInstant();
    blocking(
            () -> {
              Integer id = queries.stationId(station);
              if (id == null) throw ApiError.notFound("unknown station '" + station + "'");
              List<ParameterCatalog.Parameter> ps = params;
              if (ps.isEmpty()) {
                ps = new ArrayList<>();
                for (var s : queries.stations(null, 1000, 0)) {
                  if (s.code().equals(station))
                    for (String code : s.parameters()) ps.add(catalog.byCode(code));
                }
              }
              JsonArray series = new JsonArray();
              boolean truncated = false;
              Instant next = null;
              Map<Short, List<ReadingQueries.Bucket>> buckets =
                  step == null
                      ? Map.of()
                      : queries.buckets(
                          id,
                          ps.stream().map(ParameterCatalog.Parameter::id).toList(),
                          from,
                          to,
                          step,
                          origin);
              for (ParameterCatalog.Parameter p : ps) {
                JsonArray points = new JsonArray();
                if (step == null) {
                  var raw = queries.raw(id, p.id(), from, to, limit + 1);
                  if (raw.size() > limit) {
                    truncated = true;
                    raw = raw.subList(0, limit);
                    Instant after = raw.get(raw.size() - 1).ts().plusMillis(1);
                    next = next == null || after.isBefore(next) ? after : next;
                  }
                  raw.forEach(
                      x ->
                          points.add(
                              new JsonObject()
                                  .put("ts", x.ts())
                                  .put("value", x.value())
                                  .put("status", x.status().code())));
                } else {
                  buckets
                      .get(p.id())
                      .forEach(
                          b ->
                              points.add(
                                  new JsonObject()
                                      .put("ts", b.start())
                                      .put("mean", b.mean())
                                      .put("min", b.min())
                                      .put("max", b.max())
                                      .put("count", b.count())
                                      .put("valid", b.valid())
                                      .put("calibrating", b.calibrating())
                                      .put("fault", b.fault())));
                }
                series.add(
                    new JsonObject()
                        .put("parameter", p.code())
                        .put("unit", p.unit())
                        .put("points", points));
              }
              JsonObject body =
                  new JsonObject()
                      .put("station", station)
                      .put("from", from)
                      .put("to", to)
                      .put("step", step == null ? "raw" : step.toString())
                      .put("tz", zone.getId())
                      .put("series", series)
                      .put("truncated", truncated);
              if (next != null) body.put("next_from", next);
              return body;
            })
        .onSuccess(body -> json(ctx, body))
        .onFailure(ctx::fail);
  }

  private void metrics(RoutingContext ctx) {
    metricsWorker
        .executeBlocking(registry::scrape, false)
        .onSuccess(
            text ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(text))
        .onFailure(ctx::fail);
  }

  /**
   * Runs blocking work (JDBC, the metrics scrape) on a worker thread, unordered so requests
   * overlap.
   */
  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").end(body.encode());
  }

  private static void fail(RoutingContext ctx, Throwable t) {
    int status;
    String message;
    if (t instanceof ApiError e) {
      status = e.status;
      message = e.getMessage();
    } else if (ctx.statusCode() >= 400 && t == null) {
      status = ctx.statusCode();
      message = status == 404 ? "not found" : "request failed";
    } else {
      status = 500;
      message = "internal error";
      log.error("request {} failed", ctx.request().uri(), t);
    }
    if (!ctx.response().ended()) {
      ctx.response()
          .setStatusCode(status)
          .putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", message).encode());
    }
  }
}

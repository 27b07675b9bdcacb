package io.outfall.ingest;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.Responder;
import io.outfall.ingest.intake.FollowerBacklog;
import io.outfall.ingest.storage.Database;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Every route of the server in the order they are tried: the NUL guard, the access gate (so that
 * everything after it sees only authenticated, authorized requests), health, the OpenAPI document,
 * {@code /metrics}, each feature's API, a 404 naming the unknown endpoint, the web UI, and the one
 * failure handler.
 */
final class ApiRouter implements AutoCloseable {
  /** What the health endpoint looks at. */
  record HealthSources(
      BooleanSupplier brokerConnected,
      String brokerUrl,
      BooleanSupplier writerDatabaseUp,
      IntSupplier queuedMessages,
      Supplier<FollowerBacklog.Sample> backlog) {}

  private final Vertx vertx;
  private final Database database;
  private final PrometheusMeterRegistry registry;
  private final HealthSources health;
  private final HttpAccess access;
  private final List<Consumer<Router>> apis;
  // its own thread, not the API pool: see Responder
  private final WorkerExecutor scrapeThread;

  /**
   * @param apis each feature's {@code mount}
   */
  ApiRouter(
      Vertx vertx,
      Database database,
      PrometheusMeterRegistry registry,
      HealthSources health,
      HttpAccess access,
      List<Consumer<Router>> apis) {
    this.vertx = vertx;
    this.database = database;
    this.registry = registry;
    this.health = health;
    this.access = access;
    this.apis = apis;
    this.scrapeThread = vertx.createSharedWorkerExecutor("outfall-metrics-scrape", 1);
  }

  Router router() {
    Router r = Router.router(vertx);
    // PostgreSQL text cannot hold NUL: a %00 anywhere in a path or query would reach a query as an
    // internal error, so it is the client's error here, for every route at once.
    r.route()
        .handler(
            ctx -> {
              if (ctx.request().uri().toLowerCase(Locale.ROOT).contains("%00"))
                ctx.fail(ApiError.badRequest("the path or query contains a NUL character (%00)"));
              else ctx.next();
            });
    r.route().handler(access::gate);
    access.mount(r);
    r.get("/api/health").handler(this::health);
    r.get("/api/openapi.yaml")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/yaml")
                    .sendFile("api/openapi.yaml"));
    r.get("/metrics").handler(this::metrics);
    apis.forEach(api -> api.accept(r));
    r.route("/api/*")
        .handler(
            ctx ->
                ctx.fail(
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
    r.route().failureHandler(Responder::failed);
    return r;
  }

  private void health(RoutingContext ctx) {
    // Only in-memory state, so that it answers at once even while the database is down.
    boolean db = database.reachable() && health.writerDatabaseUp().getAsBoolean();
    boolean broker = health.brokerConnected().getAsBoolean();
    boolean up = db && broker;
    JsonObject body =
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
            .put("queue", new JsonObject().put("messages", health.queuedMessages().getAsInt()))
            .put("backlog", backlog(health.backlog().get()));
    Responder.send(ctx, up ? 200 : 503, body);
  }

  /**
   * What waits for the compliance engine and the aggregates, as last sampled (every few seconds);
   * null while unknown (the database is down). Not part of the status: a backlog delays alerts and
   * pages, it does not stop storage.
   */
  private static JsonObject backlog(FollowerBacklog.Sample s) {
    if (s == null) return null;
    return new JsonObject()
        .put("sampled_at", s.at().toString())
        .put(
            "compliance",
            new JsonObject()
                .put("batches", s.compliance().batches())
                .put("readings", s.compliance().readings())
                .put("oldest_seconds", s.compliance().oldestSeconds()))
        .put(
            "aggregates",
            new JsonObject()
                .put("batches", s.aggregates().batches())
                .put("oldest_seconds", s.aggregates().oldestSeconds()));
  }

  private void metrics(RoutingContext ctx) {
    scrapeThread
        .executeBlocking(registry::scrape, false)
        .onSuccess(
            text ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(text))
        .onFailure(ctx::fail);
  }

  @Override
  public void close() {
    scrapeThread.close();
  }
}

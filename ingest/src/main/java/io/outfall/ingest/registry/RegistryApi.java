package io.outfall.ingest.registry;

import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.Responder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;

/**
 * The registry over HTTP: {@code GET /api/registry} (JSON, or {@code format=csv} as the import
 * reads it), {@code PUT /api/registry/clusters|plants|stations/{code}}, {@code POST
 * /api/registry/import} (a CSV file, all or nothing) and the held readings of unregistered stations
 * ({@code GET /api/registry/unregistered}, {@code POST …/{station}/accept|discard}). Admins write;
 * inspectors and engineers read ({@link HttpAccess}).
 */
public final class RegistryApi {
  private static final Duration ACCEPT_WAIT = Duration.ofSeconds(60);

  private final Responder responder;
  private final Registry registry;
  private final HeldReadings held;

  public RegistryApi(Responder responder, Registry registry, HeldReadings held) {
    this.responder = responder;
    this.registry = registry;
    this.held = held;
  }

  public void mount(Router r) {
    r.route("/api/registry*").handler(BodyHandler.create().setBodyLimit(4 * 1024 * 1024));
    r.get("/api/registry").handler(this::contents);
    r.put("/api/registry/clusters/:code").handler(this::putCluster);
    r.put("/api/registry/plants/:code").handler(this::putPlant);
    r.put("/api/registry/stations/:code").handler(this::putStation);
    r.post("/api/registry/import").handler(this::importCsv);
    r.get("/api/registry/unregistered").handler(this::unregistered);
    r.post("/api/registry/unregistered/:station/accept").handler(this::accept);
    r.post("/api/registry/unregistered/:station/discard").handler(this::discard);
  }

  private void contents(RoutingContext ctx) {
    if ("csv".equals(ctx.request().getParam("format"))) {
      responder
          .blocking(() -> RegistryCsv.write(registry.contents()))
          .onSuccess(
              csv ->
                  ctx.response()
                      .putHeader("content-type", "text/csv; charset=utf-8")
                      .putHeader("content-disposition", Responder.attachment("registry.csv"))
                      .end(csv))
          .onFailure(ctx::fail);
      return;
    }
    responder.json(ctx, () -> json(registry.contents()));
  }

  private void putCluster(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String by = HttpAccess.principal(ctx).name();
    responder.json(
        ctx,
        () -> {
          Registry.Cluster c =
              new Registry.Cluster(
                  ctx.pathParam("code"),
                  b.text("name"),
                  b.text("kind"),
                  b.text("district"),
                  b.text("status"),
                  b.text("treatment"));
          registry.put(c, by);
          return cluster(c);
        });
  }

  private void putPlant(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String by = HttpAccess.principal(ctx).name();
    responder.json(
        ctx,
        () -> {
          Registry.Plant p =
              new Registry.Plant(
                  ctx.pathParam("code"),
                  b.text("name"),
                  b.text("cluster"),
                  b.text("status"),
                  b.decimal("latitude"),
                  b.decimal("longitude"),
                  b.text("receiving_water"),
                  b.decimal("design_capacity_m3_per_day"));
          registry.put(p, by);
          return plant(p);
        });
  }

  private void putStation(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String by = HttpAccess.principal(ctx).name();
    responder.json(
        ctx,
        () -> {
          Registry.Station s =
              new Registry.Station(
                  ctx.pathParam("code"),
                  b.text("name"),
                  b.required("plant"),
                  b.decimal("latitude"),
                  b.decimal("longitude"),
                  b.text("receiving_water"),
                  b.text("sampling"));
          registry.put(s, by);
          return station(s);
        });
  }

  private void importCsv(RoutingContext ctx) {
    String body = ctx.body() == null ? null : ctx.body().asString("UTF-8");
    String text = body == null ? "" : body;
    String by = HttpAccess.principal(ctx).name();
    responder.json(
        ctx,
        () -> {
          Registry.Contents c;
          try {
            c = RegistryCsv.parse(text, registry.codes("clusters"), registry.codes("sites"));
            registry.put(c, by);
          } catch (IllegalArgumentException e) { // a line's errors (Invalid), or a refused row
            throw ApiError.badRequest("nothing imported: " + e.getMessage());
          }
          return new JsonObject()
              .put("clusters", c.clusters().size())
              .put("plants", c.plants().size())
              .put("stations", c.stations().size())
              .put("targets", c.targets().size());
        });
  }

  private void unregistered(RoutingContext ctx) {
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          for (HeldReadings.HeldStation h : held.list())
            items.add(
                new JsonObject()
                    .put("station", h.station())
                    .put("plant", h.site())
                    .put("gateway", h.gateway())
                    .put("readings", h.readings())
                    .put("first", h.first())
                    .put("last", h.last())
                    .put("parameter_ids", new JsonArray(h.parameterIds())));
          return new JsonObject().put("items", items);
        });
  }

  private void accept(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    String by = HttpAccess.principal(ctx).name();
    responder.json(
        ctx,
        () -> {
          HeldReadings.Accepted a = held.accept(station, by, ACCEPT_WAIT);
          if (a == null) throw ApiError.notFound("no readings of '" + station + "' are held");
          return new JsonObject()
              .put("station", a.station())
              .put("plant", a.site())
              .put("stored", a.stored());
        });
  }

  private void discard(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    responder.json(
        ctx,
        () -> {
          long n = held.discard(station);
          if (n == 0) throw ApiError.notFound("no readings of '" + station + "' are held");
          return new JsonObject().put("station", station).put("discarded", n);
        });
  }

  static JsonObject json(Registry.Contents c) {
    JsonArray clusters = new JsonArray();
    c.clusters().forEach(x -> clusters.add(cluster(x)));
    JsonArray plants = new JsonArray();
    c.plants().forEach(x -> plants.add(plant(x)));
    JsonArray stations = new JsonArray();
    c.stations().forEach(x -> stations.add(station(x)));
    return new JsonObject()
        .put("clusters", clusters)
        .put("plants", plants)
        .put("stations", stations);
  }

  private static JsonObject cluster(Registry.Cluster c) {
    return new JsonObject()
        .put("code", c.code())
        .put("name", c.name())
        .put("kind", c.kind())
        .put("district", c.district())
        .put("status", c.status())
        .put("treatment", c.treatment());
  }

  private static JsonObject plant(Registry.Plant p) {
    return new JsonObject()
        .put("code", p.site())
        .put("name", p.name())
        .put("cluster", p.cluster())
        .put("status", p.status())
        .put("latitude", p.latitude())
        .put("longitude", p.longitude())
        .put("receiving_water", p.receivingWater())
        .put("design_capacity_m3_per_day", p.designCapacityM3PerDay());
  }

  private static JsonObject station(Registry.Station s) {
    return new JsonObject()
        .put("code", s.code())
        .put("name", s.name())
        .put("plant", s.site())
        .put("latitude", s.latitude())
        .put("longitude", s.longitude())
        .put("receiving_water", s.receivingWater())
        .put("sampling", s.sampling());
  }
}

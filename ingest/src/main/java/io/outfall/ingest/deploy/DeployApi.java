package io.outfall.ingest.deploy;

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
import java.util.List;
import javax.sql.DataSource;

/**
 * Configuration management over HTTP: validate, store versions (with their diff), deploy them to
 * gateways and follow rollouts, read the audit log. Handlers stay on the event loop; database and
 * broker work runs on worker threads.
 */
public final class DeployApi {
  private final Responder responder;
  private final DataSource ds;
  private final ConfigVersions versions;
  private final Rollouts rollouts;
  private final GatewayTags tags;
  private final SigningKey key;
  private final int defaultAckTimeout;

  public DeployApi(
      Responder responder,
      DataSource ds,
      ConfigVersions versions,
      Rollouts rollouts,
      GatewayTags tags,
      SigningKey key,
      int defaultAckTimeout) {
    this.responder = responder;
    this.ds = ds;
    this.versions = versions;
    this.rollouts = rollouts;
    this.tags = tags;
    this.key = key;
    this.defaultAckTimeout = defaultAckTimeout;
  }

  public void mount(Router r) {
    r.route("/api/configs*").handler(BodyHandler.create().setBodyLimit(256 * 1024));
    r.route("/api/rollouts*").handler(BodyHandler.create().setBodyLimit(16 * 1024));
    r.route("/api/gateway-tags*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    r.get("/api/gateway-tags").handler(ctx -> responder.json(ctx, this::tagList));
    r.put("/api/gateway-tags/:tag").handler(this::setTag);
    r.post("/api/configs/validate").handler(this::validate);
    r.get("/api/configs").handler(ctx -> responder.json(ctx, () -> items(versions.latest())));
    r.get("/api/configs/:name")
        .handler(ctx -> responder.json(ctx, () -> items(versions.history(ctx.pathParam("name")))));
    r.post("/api/configs/:name").handler(this::store);
    r.get("/api/configs/:name/:seq").handler(this::version);
    r.post("/api/rollouts").handler(this::deploy);
    r.get("/api/rollouts")
        .handler(
            ctx -> {
              int limit = QueryParams.intParam(ctx, "limit", 50, 1, 500);
              responder.json(ctx, () -> rolloutList(limit));
            });
    r.get("/api/rollouts/:id").handler(this::rolloutById);
    r.post("/api/rollouts/:id/promote")
        .handler(
            ctx -> {
              long id = QueryParams.pathNumber(ctx, "id");
              String actor = HttpAccess.actor(ctx);
              responder.json(ctx, () -> rollout(rollouts.promote(id, actor)));
            });
    r.get("/api/config-audit").handler(this::audit);
    r.get("/api/config-signing-key")
        .handler(
            ctx ->
                Responder.send(
                    ctx,
                    200,
                    new JsonObject()
                        .put("algorithm", "Ed25519")
                        .put("public_key", key.publicKeyText())
                        .put("use", "a gateway's remote.config_key")));
  }

  private void validate(RoutingContext ctx) {
    String yaml = body(ctx);
    try {
      String label = ConfigVersions.validate(yaml);
      Responder.send(ctx, 200, new JsonObject().put("valid", true).put("version", label));
    } catch (IllegalArgumentException e) {
      Responder.send(ctx, 400, new JsonObject().put("valid", false).put("error", e.getMessage()));
    }
  }

  private void store(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String yaml = body(ctx);
    String author = HttpAccess.actor(ctx);
    String message = ctx.request().getParam("message");
    responder.json(
        ctx,
        201,
        () -> {
          ConfigVersions.Version v = versions.put(name, yaml, author, message);
          return withDiff(v);
        });
  }

  private void version(RoutingContext ctx) {
    int seq;
    try {
      seq = Integer.parseInt(ctx.pathParam("seq"));
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("seq must be a number, got '" + ctx.pathParam("seq") + "'");
    }
    responder.json(
        ctx,
        () -> {
          ConfigVersions.Version v = versions.get(ctx.pathParam("name"), seq);
          if (v == null)
            throw ApiError.notFound("no configuration " + ctx.pathParam("name") + " #" + seq);
          return withDiff(v);
        });
  }

  private JsonObject withDiff(ConfigVersions.Version v) throws Exception {
    ConfigVersions.Version previous = v.seq() > 1 ? versions.get(v.name(), v.seq() - 1) : null;
    return version(v)
        .put("yaml", v.yaml())
        .put(
            "diff",
            new JsonArray(LineDiff.diff(previous == null ? "" : previous.yaml(), v.yaml())));
  }

  private void deploy(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String name = b.text("config");
    Integer seq = b.whole("seq", null);
    String target = b.text("target");
    int timeout = b.whole("ack_timeout_seconds", defaultAckTimeout);
    int canary = b.whole("canary_percent", 100);
    boolean autoPromote = b.flag("auto_promote", false);
    String action = b.text("action", "deploy");
    if (!action.equals("deploy") && !action.equals("rollback"))
      throw ApiError.badRequest("action: deploy or rollback, got '" + action + "'");
    if (name == null || seq == null) throw ApiError.badRequest("config and seq are required");
    if (timeout < 1 || timeout > 7 * 86400)
      throw ApiError.badRequest("ack_timeout_seconds must be 1 to 604800");
    String actor = HttpAccess.actor(ctx);
    responder.json(
        ctx,
        201,
        () ->
            rollout(
                rollouts.deploy(
                    new Rollouts.Plan(
                        name, seq, target, timeout, canary, autoPromote, action.equals("rollback")),
                    actor)));
  }

  private JsonObject tagList() throws Exception {
    JsonArray items = new JsonArray();
    tags.all()
        .forEach(
            (tag, members) ->
                items.add(
                    new JsonObject().put("tag", tag).put("gateways", new JsonArray(members))));
    return new JsonObject().put("items", items);
  }

  private JsonObject rolloutList(int limit) throws Exception {
    JsonArray items = new JsonArray();
    rollouts.recent(limit).forEach(x -> items.add(rollout(x)));
    return new JsonObject().put("items", items);
  }

  private void setTag(RoutingContext ctx) {
    List<String> members = JsonBody.of(ctx, true).texts("gateways");
    if (members == null) throw ApiError.badRequest("gateways (a list of site/gateway) is required");
    String tag = ctx.pathParam("tag");
    String actor = HttpAccess.actor(ctx);
    responder.json(
        ctx,
        () -> {
          tags.set(tag, members, actor);
          return new JsonObject().put("tag", tag).put("gateways", new JsonArray(members));
        });
  }

  private void rolloutById(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    responder.json(
        ctx,
        () -> {
          Rollouts.Rollout x = rollouts.get(id);
          if (x == null) throw ApiError.notFound("no rollout " + id);
          return rollout(x);
        });
  }

  private void audit(RoutingContext ctx) {
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          for (Audit.Entry e : Audit.recent(ds, limit))
            items.add(
                new JsonObject()
                    .put("at", e.at())
                    .put("actor", e.actor())
                    .put("action", e.action())
                    .put("config", e.config())
                    .put("seq", e.seq())
                    .put("rollout", e.rolloutId())
                    .put("detail", e.detail()));
          return new JsonObject().put("items", items);
        });
  }

  private static JsonObject items(List<ConfigVersions.Version> list) {
    JsonArray items = new JsonArray();
    list.forEach(v -> items.add(version(v)));
    return new JsonObject().put("items", items);
  }

  private static JsonObject version(ConfigVersions.Version v) {
    return new JsonObject()
        .put("name", v.name())
        .put("seq", v.seq())
        .put("version", v.label())
        .put("hash", v.hash())
        .put("author", v.author())
        .put("message", v.message())
        .put("created_at", v.createdAt());
  }

  private static JsonObject rollout(Rollouts.Rollout x) {
    JsonArray gateways = new JsonArray();
    JsonObject counts = new JsonObject();
    for (Rollouts.GatewayState g : x.gateways()) {
      gateways.add(
          new JsonObject()
              .put("site", g.site())
              .put("gateway", g.gateway())
              .put("state", g.state())
              .put("reason", g.reason())
              .put("previous", g.previous())
              .put("updated_at", g.updatedAt()));
      counts.put(g.state(), counts.getInteger(g.state(), 0) + 1);
    }
    return new JsonObject()
        .put("id", x.id())
        .put("config", x.config())
        .put("seq", x.seq())
        .put("version", x.label())
        .put("action", x.action())
        .put("target", x.target())
        .put("state", x.state())
        .put("canary_percent", x.canaryPercent())
        .put("auto_promote", x.autoPromote())
        .put("ack_timeout_seconds", x.ackTimeoutSeconds())
        .put("created_by", x.createdBy())
        .put("created_at", x.createdAt())
        .put("finished_at", x.finishedAt())
        .put("counts", counts)
        .put("gateways", gateways);
  }

  private static String body(RoutingContext ctx) {
    String yaml = ctx.body() == null ? null : ctx.body().asString();
    if (yaml == null || yaml.isBlank())
      throw ApiError.badRequest("the body must be the configuration YAML");
    return yaml;
  }
}

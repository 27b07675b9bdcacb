package io.outfall.ingest.access;

import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.QueryParams;
import io.outfall.ingest.http.Responder;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call what over HTTP. Every request under {@code /api/} and {@code /metrics} needs a token
 * — {@code Authorization: Bearer <token>}, or the session cookie the login sets — except health,
 * login and the OpenAPI document; the web pages themselves are static and public, their data is
 * not. Then {@link #allows} decides by role, and an operator only ever sees their own sites.
 *
 * <p>Token lookups are cached for {@link #CACHE_FOR}: a token revoked, or a user disabled or
 * changed, on another instance (or with the command line) is refused within that time, at once on
 * the instance that did it. Why a short cache and not notices from the database: a notice lost with
 * a dropped connection would leave a revoked token working until the next restart; a bound holds
 * whatever happens, and costs one indexed lookup per token every two seconds.
 *
 * <p>Password guessing is throttled for the whole deployment ({@link Logins}).
 */
public final class HttpAccess {
  private static final Logger log = LoggerFactory.getLogger(HttpAccess.class);
  public static final String PRINCIPAL = "outfall.principal";
  public static final String SESSION_COOKIE = "outfall_session";
  static final Duration SESSION = Duration.ofHours(12);
  public static final Duration CACHE_FOR = Duration.ofSeconds(2);
  private static final Set<String> OPEN = Set.of("/api/health", "/api/login", "/api/openapi.yaml");

  private final Responder responder;
  private final Users users;
  private final Sites sites;
  private final byte[] adminTokenDigest;
  private final Logins logins;
  private final boolean https;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Principal principal, long until) {}

  /**
   * @param adminToken a token that acts as admin everywhere (from {@code http.admin-token-file}),
   *     or null
   * @param https the server speaks HTTPS: the session cookie is then Secure (never sent in clear)
   */
  public HttpAccess(Responder responder, DataSource db, String adminToken, boolean https) {
    this.responder = responder;
    this.users = new Users(db);
    this.logins = new Logins(db, users, SESSION);
    this.sites = new Sites(db);
    this.adminTokenDigest = adminToken == null ? null : PasswordHash.tokenDigest(adminToken);
    this.https = https;
  }

  /** The principal of a request that passed {@link #gate}. */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** Who acts, for audit trails and the records a change leaves: the request's user. */
  public static String actor(RoutingContext ctx) {
    Principal p = principal(ctx);
    return p == null ? "anonymous" : p.name();
  }

  /** Mount first: everything after it sees only authenticated, authorized requests. */
  public void gate(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (!(path.startsWith("/api/") || path.equals("/metrics")) || OPEN.contains(path)) {
      ctx.next();
      return;
    }
    String token = token(ctx);
    if (token == null) {
      unauthorized(
          ctx, "sign in first: send 'Authorization: Bearer <token>' (see POST /api/login)");
      return;
    }
    // The checks below are asynchronous: hold the body until the route's BodyHandler takes it.
    ctx.request().pause();
    resolve(token)
        .compose(
            p -> {
              if (p.isEmpty())
                return Future.failedFuture(
                    new ApiError(401, "the token is unknown, expired or revoked: sign in again"));
              Principal who = p.get();
              String refusal = allows(who, ctx.request().method(), path);
              if (refusal != null) return Future.failedFuture(new ApiError(403, refusal));
              return scope(who, ctx, path).map(who);
            })
        .onSuccess(
            who -> {
              ctx.put(PRINCIPAL, who);
              ctx.next(); // a BodyHandler on the route resumes the request itself
              ctx.request().resume();
            })
        .onFailure(
            e -> {
              ctx.request().resume();
              if (e instanceof ApiError a && a.status() == 401)
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"outfall\"");
              ctx.fail(e);
            });
  }

  /**
   * Why {@code p} may not call {@code method path}, or null when it may (an operator's site is
   * checked afterwards by {@link #scope}).
   */
  static String allows(Principal p, HttpMethod method, String path) {
    Role r = p.role();
    if (r == Role.ADMIN) return null;
    if (r == Role.SCRAPE)
      return path.equals("/metrics") ? null : "a scrape token may only read /metrics";
    if (path.equals("/metrics")) return "/metrics needs a scrape token or an admin";
    if (path.startsWith("/api/users") || path.startsWith("/api/access-audit"))
      return "only an admin manages users and reads the access audit";
    if (path.startsWith("/api/donre/"))
      return "only an admin reads the files quarantined from loggers";
    if (path.startsWith("/api/alerts/") && path.endsWith("/evidence"))
      return r == Role.INSPECTOR
          ? null
          : "an inspection's evidence pack is for inspectors and admins";
    if (path.equals("/api/me")
        || path.equals("/api/me/password")
        || path.equals("/api/logout")
        || path.equals("/api/tokens")
        || path.startsWith("/api/tokens/")) return null;
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    if (r == Role.OPERATOR) {
      // lists an operator sees their own sites' part of (filtered where they are made)
      if (path.equals("/api/parameters")
          || path.equals("/api/stations")
          || (read && (path.equals("/api/overview") || path.equals("/api/gateways")))) return null;
      if (path.startsWith("/api/stations/") || path.startsWith("/api/permits/"))
        return read ? null : "an operator reads their stations; changing them needs an admin";
      if (path.startsWith("/api/alerts/"))
        return read || path.endsWith("/acknowledge") ? null : "an operator may only acknowledge";
      if (read
          && (path.equals("/api/alerts")
              || path.equals("/api/live")
              || path.equals("/api/export/donre"))) return null;
      return "an operator reads their own stations only; this needs an inspector, engineer or admin";
    }
    if (r == Role.ENGINEER && path.equals("/api/export/donre"))
      return "exporting the department's files needs an inspector or admin";
    if (read) return null; // inspectors and engineers read everything
    if (path.startsWith("/api/configs")
        || path.startsWith("/api/rollouts")
        || path.startsWith("/api/gateway-tags"))
      return r == Role.ENGINEER ? null : "deploying configurations needs an engineer or admin";
    if (path.startsWith("/api/alerts/") || path.startsWith("/api/silences"))
      return r == Role.INSPECTOR ? null : "acknowledging and silencing need an inspector or admin";
    return "this needs an admin";
  }

  /** An operator's request must concern a station of their own sites. */
  private Future<Void> scope(Principal p, RoutingContext ctx, String path) {
    if (p.role() != Role.OPERATOR) return Future.succeededFuture();
    String[] seg = path.split("/");
    // /api/stations/{station}/..., /api/permits/{station}
    if (seg.length >= 4 && (seg[2].equals("stations") || seg[2].equals("permits")))
      return ownStation(p, decode(seg[3]));
    // /api/alerts/{id}[/acknowledge]
    if (seg.length >= 4 && seg[2].equals("alerts"))
      return responder
          .blocking(() -> sites.ofAlert(seg[3]))
          .compose(site -> own(p, site, "alert " + seg[3]));
    if (path.equals("/api/alerts")
        || path.equals("/api/live")
        || path.equals("/api/export/donre")) {
      String station = ctx.request().getParam("station");
      if (station == null)
        return Future.failedFuture(
            new ApiError(403, "an operator names one of their stations: ?station=CODE"));
      return ownStation(p, station);
    }
    return Future.succeededFuture(); // lists filter by site themselves
  }

  private Future<Void> ownStation(Principal p, String station) {
    return responder
        .blocking(() -> sites.ofStation(station))
        .compose(site -> own(p, site, "station " + station));
  }

  private static Future<Void> own(Principal p, String site, String what) {
    return site != null && p.sees(site)
        ? Future.succeededFuture()
        : Future.failedFuture(new ApiError(403, what + " is not at one of your sites"));
  }

  private Future<Optional<Principal>> resolve(String token) {
    byte[] digest = PasswordHash.tokenDigest(token);
    if (adminTokenDigest != null && MessageDigest.isEqual(digest, adminTokenDigest))
      return Future.succeededFuture(
          Optional.of(new Principal("admin-token", Role.ADMIN, Set.of())));
    String key = HexFormat.of().formatHex(digest);
    Cached c = cache.get(key);
    if (c != null && c.until - System.nanoTime() > 0)
      return Future.succeededFuture(Optional.of(c.principal));
    return responder
        .blocking(() -> users.byToken(token))
        .map(
            p -> {
              if (cache.size() > 10_000) cache.clear();
              p.ifPresent(
                  v -> cache.put(key, new Cached(v, System.nanoTime() + CACHE_FOR.toNanos())));
              return p;
            });
  }

  private static String token(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) return h.substring(7).trim();
    Cookie c = ctx.request().getCookie(SESSION_COOKIE);
    return c == null || c.getValue().isBlank() ? null : c.getValue();
  }

  private static void unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"outfall\"");
    ctx.fail(new ApiError(401, message));
  }

  // ---- the access API: login, logout, me, users, tokens, audit --------------------------------

  public void mount(Router r) {
    r.route("/api/login").handler(BodyHandler.create().setBodyLimit(8 * 1024));
    r.route("/api/users").handler(BodyHandler.create().setBodyLimit(8 * 1024));
    r.route("/api/tokens").handler(BodyHandler.create().setBodyLimit(8 * 1024));
    r.post("/api/login").handler(this::login);
    r.post("/api/logout").handler(this::logout);
    r.get("/api/me").handler(ctx -> Responder.send(ctx, 200, describe(principal(ctx))));
    r.get("/api/users").handler(ctx -> responder.json(ctx, this::userList));
    r.post("/api/users").handler(this::addUser);
    r.delete("/api/users/:username").handler(ctx -> changeUser(ctx, "user_disable", this::disable));
    r.post("/api/users/:username/enable")
        .handler(ctx -> changeUser(ctx, "user_enable", this::enable));
    r.post("/api/users/:username/reset-password")
        .handler(ctx -> changeUser(ctx, "user_reset_password", this::resetPassword));
    r.route("/api/me/password").handler(BodyHandler.create().setBodyLimit(8 * 1024));
    r.post("/api/me/password").handler(this::changeOwnPassword);
    r.post("/api/tokens").handler(this::addToken);
    r.get("/api/tokens").handler(this::listTokens);
    r.delete("/api/tokens/:id").handler(this::revokeToken);
    r.get("/api/access-audit").handler(this::auditLog);
  }

  private void login(RoutingContext ctx) {
    JsonBody body = JsonBody.of(ctx, true);
    String username = body.required("username");
    String password = body.required("password");
    responder
        .blocking(() -> logins.attempt(username, password, remote(ctx)))
        .onSuccess(
            outcome -> {
              if (outcome instanceof Logins.Throttled t) {
                ctx.response().putHeader("Retry-After", Long.toString(t.retryAfterSeconds()));
                ctx.fail(
                    new ApiError(
                        429,
                        "too many failed logins: try again in " + t.retryAfterSeconds() + " s"));
              } else if (outcome instanceof Logins.SignedIn in) {
                ctx.response()
                    .addCookie(
                        Cookie.cookie(SESSION_COOKIE, in.token())
                            .setSecure(https)
                            .setHttpOnly(true)
                            .setSameSite(CookieSameSite.STRICT)
                            .setPath("/")
                            .setMaxAge(SESSION.toSeconds()));
                Responder.send(
                    ctx,
                    200,
                    describe(in.principal())
                        .put("token", in.token())
                        .put("expires_in_seconds", SESSION.toSeconds()));
              } else {
                unauthorized(ctx, "wrong user name or password");
              }
            })
        .onFailure(ctx::fail);
  }

  private void logout(RoutingContext ctx) {
    String token = token(ctx);
    Principal p = principal(ctx);
    cache.remove(HexFormat.of().formatHex(PasswordHash.tokenDigest(token)));
    responder
        .blocking(
            () -> {
              users.revoke(token);
              users.audit(p.name(), "logout", "", remote(ctx), "ok");
              return null;
            })
        .onSuccess(
            v -> {
              ctx.response().addCookie(Cookie.cookie(SESSION_COOKIE, "").setPath("/").setMaxAge(0));
              Responder.send(ctx, 200, new JsonObject().put("signed_out", true));
            })
        .onFailure(ctx::fail);
  }

  private JsonObject userList() throws SQLException {
    JsonArray items = new JsonArray();
    for (Users.User u : users.all())
      items.add(
          new JsonObject()
              .put("username", u.username())
              .put("role", u.role().label())
              .put("sites", new JsonArray(u.sites().stream().sorted().toList()))
              .put("created_at", u.createdAt().toString())
              .put("disabled", u.disabledAt() != null)
              .put("disabled_at", u.disabledAt() == null ? null : u.disabledAt().toString()));
    return new JsonObject().put("items", items);
  }

  private void addUser(RoutingContext ctx) {
    JsonBody body = JsonBody.of(ctx, true);
    String username = body.required("username");
    String password = body.required("password");
    Role role = parseRole(body.required("role"));
    List<String> listed = body.texts("sites");
    Set<String> sites = new HashSet<>(listed == null ? List.of() : listed);
    Principal admin = principal(ctx);
    responder.json(
        ctx,
        201,
        () -> {
          users.save(username, password, role, sites);
          users.audit(
              admin.name(),
              "user_save",
              username + " " + role.label() + " " + sites,
              remote(ctx),
              "ok");
          return new JsonObject()
              .put("username", username)
              .put("role", role.label())
              .put("sites", new JsonArray(sites.stream().sorted().toList()));
        });
  }

  /** What an admin does to the user named in the path; answers what the page shows. */
  private interface UserChange {
    JsonObject apply(String username) throws Exception;
  }

  /**
   * An admin's change to the user named in the path: made, audited as {@code action}, and this
   * instance's cached lookups of the user dropped (the others' expire within {@link #CACHE_FOR}).
   */
  private void changeUser(RoutingContext ctx, String action, UserChange change) {
    String username = ctx.pathParam("username");
    Principal admin = principal(ctx);
    responder.json(
        ctx,
        () -> {
          JsonObject answer = change.apply(username).put("username", username);
          cache.values().removeIf(c -> c.principal().name().equals(username));
          users.audit(admin.name(), action, username, remote(ctx), "ok");
          return answer;
        });
  }

  private JsonObject disable(String username) throws SQLException {
    if (!users.disable(username)) throw new ApiError(404, "no enabled user " + username);
    return new JsonObject().put("disabled", true);
  }

  private JsonObject enable(String username) throws SQLException {
    if (!users.enable(username)) throw new ApiError(404, "no disabled user " + username);
    return new JsonObject().put("disabled", false);
  }

  /** A new random password, shown once, for a user who lost theirs; their sessions end. */
  private JsonObject resetPassword(String username) throws SQLException {
    String password =
        users.resetPassword(username).orElseThrow(() -> new ApiError(404, "no user " + username));
    return new JsonObject().put("password", password);
  }

  /** A signed-in user changes their own password; their other sessions end. */
  private void changeOwnPassword(RoutingContext ctx) {
    JsonBody body = JsonBody.of(ctx, true);
    String current = body.required("current_password");
    String next = body.required("password");
    Principal p = principal(ctx);
    String token = token(ctx);
    responder.json(
        ctx,
        () -> {
          if (p.role() == Role.SCRAPE || p.name().equals("admin-token"))
            throw ApiError.badRequest("only a user has a password to change");
          boolean changed;
          try {
            changed = users.changePassword(p.name(), current, next, token);
          } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
          }
          users.audit(p.name(), "password_change", "", remote(ctx), changed ? "ok" : "refused");
          if (!changed) throw new ApiError(403, "the current password is wrong");
          // this instance drops its cached lookups of the user's other sessions at once
          String kept = HexFormat.of().formatHex(PasswordHash.tokenDigest(token));
          cache
              .entrySet()
              .removeIf(
                  e ->
                      e.getValue().principal().name().equals(p.name()) && !e.getKey().equals(kept));
          return new JsonObject().put("username", p.name()).put("password_changed", true);
        });
  }

  /** Any user: an API token for themselves; an admin: for anyone, or a scrape token. */
  private void addToken(RoutingContext ctx) {
    JsonBody body = JsonBody.of(ctx, true);
    Principal p = principal(ctx);
    String name = body.required("name");
    String kind = body.text("kind", "api");
    String forUser = body.text("username", p.name());
    if (!kind.equals("api") && !kind.equals("scrape"))
      throw ApiError.badRequest("kind must be api or scrape, got '" + kind + "'");
    boolean admin = p.role() == Role.ADMIN;
    if (!admin && (kind.equals("scrape") || !forUser.equals(p.name())))
      throw new ApiError(403, "only an admin issues scrape tokens or tokens for others");
    if (kind.equals("api") && p.name().equals("admin-token") && forUser.equals(p.name()))
      throw ApiError.badRequest("the admin token has no user: name one with \"username\"");
    responder.json(
        ctx,
        201,
        () -> {
          String token =
              kind.equals("scrape")
                  ? users.issueScrapeToken(name)
                  : users.issueToken(forUser, "api", name, null);
          users.audit(
              p.name(), "token_issue", kind + " '" + name + "' for " + forUser, remote(ctx), "ok");
          return new JsonObject().put("token", token).put("kind", kind).put("name", name);
        });
  }

  /**
   * An admin: any user's live tokens and sessions ({@code ?username=}, or all); others: their own.
   */
  private void listTokens(RoutingContext ctx) {
    Principal p = principal(ctx);
    String asked = ctx.request().getParam("username");
    if (p.role() != Role.ADMIN && asked != null && !asked.equals(p.name()))
      throw new ApiError(403, "only an admin lists other users' tokens");
    String whose = p.role() == Role.ADMIN ? asked : p.name();
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          for (Users.Token t : users.tokens(whose))
            items.add(
                new JsonObject()
                    .put("id", t.id())
                    .put("username", t.username())
                    .put("kind", t.kind())
                    .put("name", t.name())
                    .put("created_at", t.createdAt().toString())
                    .put("expires_at", t.expiresAt() == null ? null : t.expiresAt().toString()));
          return new JsonObject().put("items", items);
        });
  }

  /** Ends a token or session: an admin any, others their own; every instance within 2 s. */
  private void revokeToken(RoutingContext ctx) {
    Principal p = principal(ctx);
    String id = ctx.pathParam("id");
    responder.json(
        ctx,
        () -> {
          boolean revoked;
          try {
            revoked = users.revokeById(id, p.role() == Role.ADMIN ? null : p.name());
          } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
          }
          if (!revoked) throw new ApiError(404, "no live token " + id + " of yours");
          cache.keySet().removeIf(k -> k.startsWith(id));
          users.audit(p.name(), "token_revoke", id, remote(ctx), "ok");
          return new JsonObject().put("id", id).put("revoked", true);
        });
  }

  private void auditLog(RoutingContext ctx) {
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    responder.json(
        ctx,
        () -> {
          JsonArray items = new JsonArray();
          for (Users.AuditEntry e : users.auditLog(limit, offset))
            items.add(
                new JsonObject()
                    .put("at", e.at().toString())
                    .put("actor", e.actor())
                    .put("action", e.action())
                    .put("detail", e.detail())
                    .put("remote", e.remote())
                    .put("outcome", e.outcome()));
          return new JsonObject().put("items", items).put("limit", limit).put("offset", offset);
        });
  }

  /** Records an administrative action by the request's principal (for other APIs). */
  public void audit(RoutingContext ctx, String action, String detail) {
    Principal p = principal(ctx);
    audited(p == null ? "-" : p.name(), action, detail, remote(ctx), "ok");
  }

  private void audited(String actor, String action, String detail, String remote, String outcome) {
    responder
        .blocking(
            () -> {
              users.audit(actor, action, detail, remote, outcome);
              return null;
            })
        .onFailure(
            e ->
                log.warn(
                    "could not record {} by {} in the audit: {}", action, actor, e.toString()));
  }

  private static Role parseRole(String label) {
    try {
      return Role.ofUser(label);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  private static JsonObject describe(Principal p) {
    return new JsonObject()
        .put("username", p.name())
        .put("role", p.role().label())
        .put("sites", new JsonArray(p.sites().stream().sorted().toList()));
  }

  private static String remote(RoutingContext ctx) {
    var a = ctx.request().remoteAddress();
    return a == null ? "" : a.hostAddress();
  }

  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return segment;
    }
  }
}

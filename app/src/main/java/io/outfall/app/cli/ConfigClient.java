package io.outfall.app.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The deployment API seen from outside: what {@code outfall config deploy / status / rollback} and
 * the rollout drill use. Every call is one HTTP request; a refusal carries the server's message.
 */
public final class ConfigClient {
  private final ApiClient api;

  /**
   * @param api the server, with an API token of an engineer or admin: its user is the author and
   *     actor in the audit log
   */
  public ConfigClient(ApiClient api) {
    this.api = api;
  }

  /** Stores a version (or finds the identical one stored before). */
  public JsonObject store(String name, String yaml, String message) throws IOException {
    String query =
        message == null ? "" : "?message=" + URLEncoder.encode(message, StandardCharsets.UTF_8);
    return send("POST", "/api/configs/" + name + query, yaml);
  }

  public JsonObject deploy(
      String name,
      int seq,
      String target,
      int canaryPercent,
      boolean autoPromote,
      int ackTimeoutSeconds,
      boolean rollback)
      throws IOException {
    return send(
        "POST",
        "/api/rollouts",
        new JsonObject()
            .put("config", name)
            .put("seq", seq)
            .put("target", target)
            .put("canary_percent", canaryPercent)
            .put("auto_promote", autoPromote)
            .put("ack_timeout_seconds", ackTimeoutSeconds)
            .put("action", rollback ? "rollback" : "deploy")
            .encode());
  }

  /** Any JSON resource of the API, e.g. {@code /api/gateways}. */
  public JsonObject get(String path) throws IOException {
    return send("GET", path, null);
  }

  public JsonObject rollout(long id) throws IOException {
    return send("GET", "/api/rollouts/" + id, null);
  }

  public JsonObject promote(long id) throws IOException {
    return send("POST", "/api/rollouts/" + id + "/promote", "");
  }

  /**
   * Polls a rollout once a second until it has settled (no gateway waiting for an answer or a
   * revert, and not in progress) or {@code max} has passed; tells {@code progress} of each change.
   */
  public JsonObject follow(long id, Duration max, Consumer<JsonObject> progress)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    String last = null;
    while (true) {
      JsonObject r = rollout(id);
      String now = r.getString("state") + " " + r.getJsonObject("counts").encode();
      if (!now.equals(last)) progress.accept(r);
      last = now;
      if (settled(r) || System.nanoTime() > deadline) return r;
      Thread.sleep(1000);
    }
  }

  /**
   * Nothing more will happen by itself: finished (every revert answered), or a passed canary
   * waiting for an engineer to promote it.
   */
  public static boolean settled(JsonObject rollout) {
    JsonObject counts = rollout.getJsonObject("counts");
    boolean open =
        counts.containsKey("pending")
            || counts.containsKey("delivered")
            || counts.containsKey("reverting");
    String state = rollout.getString("state");
    boolean promotesItself =
        state.equals("canary_passed") && rollout.getBoolean("auto_promote", false);
    return !state.equals("in_progress") && !promotesItself && !open;
  }

  /** One line: the rollout, its state and its gateways counted by state. */
  public static String summary(JsonObject r) {
    StringBuilder b =
        new StringBuilder()
            .append("rollout ")
            .append(r.getLong("id"))
            .append(" (")
            .append(r.getString("action"))
            .append(' ')
            .append(r.getString("config"))
            .append(" #")
            .append(r.getInteger("seq"))
            .append(", ")
            .append(r.getString("version"))
            .append(" to ")
            .append(r.getString("target"))
            .append("): ")
            .append(r.getString("state"));
    r.getJsonObject("counts").fieldNames().stream()
        .sorted()
        .forEach(
            s -> b.append(' ').append(s).append('=').append(r.getJsonObject("counts").getValue(s)));
    return b.toString();
  }

  private JsonObject send(String method, String path, String body) throws IOException {
    return api.json(method, path, body);
  }
}

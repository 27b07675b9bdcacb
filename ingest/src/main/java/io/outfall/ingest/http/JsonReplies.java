package io.outfall.ingest.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON answers of the APIs, and the one way they turn blocking work into an answer. */
public final class JsonReplies {
  private JsonReplies() {}

  public static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  /**
   * Answers {@code status} with what {@code work} yields; an {@link IllegalArgumentException} (a
   * value the store refused) becomes a 400 with its message, anything else the failure handler's.
   */
  public static void when(RoutingContext ctx, int status, Future<JsonObject> work) {
    work.onSuccess(body -> send(ctx, status, body))
        .onFailure(
            e ->
                ctx.fail(
                    e instanceof IllegalArgumentException
                        ? ApiError.badRequest(e.getMessage())
                        : e));
  }
}

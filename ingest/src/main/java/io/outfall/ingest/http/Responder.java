package io.outfall.ingest.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every API answers. Handlers run on the event loop and never block: what blocks (JDBC,
 * password hashing) runs on this one named worker pool, {@value #POOL}, and its result becomes the
 * answer. A body is JSON; a refusal is {@code {"error": "..."}} with its status, from {@link
 * #failed}, the failure handler every route shares.
 *
 * <p>Each API gets the one instance the server makes. (The metrics scrape keeps a thread of its
 * own: during a database outage API work waits out connection timeouts here, and {@code /metrics}
 * must go on answering exactly then.)
 */
public final class Responder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Responder.class);

  /** The pool's name, as thread names and Vert.x's pool metrics show it. */
  public static final String POOL = "outfall-api";

  private final WorkerExecutor workers;

  /**
   * @param threads the pool's size: the API's blocking work is almost all JDBC, so more threads
   *     than the database pool has connections would only wait for one
   */
  public Responder(Vertx vertx, int threads) {
    this.workers = vertx.createSharedWorkerExecutor(POOL, threads, 60, TimeUnit.SECONDS);
  }

  /** Runs {@code work} on the pool, unordered, so that requests overlap. */
  public <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /** Runs {@code work} on the pool and answers 200 with the JSON it yields. */
  public void json(RoutingContext ctx, Callable<JsonObject> work) {
    json(ctx, 200, work);
  }

  /**
   * Runs {@code work} on the pool and answers {@code status} with the JSON it yields, encoded on
   * the pool too: a province's overview is 300 KB of JSON, whose encoding on the event loop held
   * every other request and the live feed meanwhile.
   */
  public void json(RoutingContext ctx, int status, Callable<JsonObject> work) {
    answer(ctx, status, () -> work.call().toBuffer());
  }

  /**
   * Runs {@code work} on the pool and answers 200 with the JSON it has written itself: for answers
   * of many thousand points, where a {@code JsonObject} per point costs more than the query.
   */
  public void encoded(RoutingContext ctx, Callable<Buffer> work) {
    answer(ctx, 200, work);
  }

  private void answer(RoutingContext ctx, int status, Callable<Buffer> body) {
    blocking(body).onSuccess(b -> send(ctx, status, b)).onFailure(e -> fail(ctx, e));
  }

  /**
   * Answers {@code status} with what {@code body} yields. An {@link IllegalArgumentException} (a
   * value the store refused) becomes a 400 with its message; any other failure goes to {@link
   * #failed}.
   */
  public static void reply(RoutingContext ctx, int status, Future<JsonObject> body) {
    body.onSuccess(json -> send(ctx, status, json)).onFailure(e -> fail(ctx, e));
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    ctx.fail(e instanceof IllegalArgumentException ? ApiError.badRequest(e.getMessage()) : e);
  }

  /** Answers now. */
  public static void send(RoutingContext ctx, int status, JsonObject body) {
    send(ctx, status, body.toBuffer());
  }

  /**
   * Sends {@code body}, a large one in slices of {@link WrittenJson#CHUNK}: the socket takes heap
   * bytes through a direct buffer, and Netty copies a buffer of several chunks into one heap array
   * on the way, as large as the answer ({@code CompositeByteBuf.nioBuffer}); a slice within one
   * chunk goes as it is.
   */
  private static void send(RoutingContext ctx, int status, Buffer body) {
    HttpServerResponse r =
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json");
    int length = body.length();
    if (length <= WrittenJson.CHUNK) {
      r.end(body);
      return;
    }
    r.putHeader("content-length", String.valueOf(length));
    for (int at = 0; at < length; at += WrittenJson.CHUNK)
      r.write(body.slice(at, Math.min(length, at + WrittenJson.CHUNK)));
    r.end();
  }

  /**
   * The failure handler: an {@link ApiError} is answered with its status and message, a status
   * Vert.x set itself (404, 413 for a body too large) with that status, anything else is an
   * internal error, logged here with the request.
   */
  public static void failed(RoutingContext ctx) {
    Throwable t = ctx.failure();
    int status;
    String message;
    if (t instanceof ApiError e) {
      status = e.status();
      message = e.getMessage();
    } else if (t == null && ctx.statusCode() >= 400) {
      status = ctx.statusCode();
      message = status == 404 ? "not found" : "request failed";
    } else {
      status = 500;
      message = "internal error";
      log.error("request {} failed", ctx.request().uri(), t);
    }
    if (!ctx.response().ended()) send(ctx, status, new JsonObject().put("error", message));
  }

  /**
   * The {@code content-disposition} of a download: the file's name, with anything outside
   * [A-Za-z0-9._-] as _ so that no header or path can be smuggled in.
   */
  public static String attachment(String fileName) {
    return "attachment; filename=\"" + fileName.replaceAll("[^A-Za-z0-9._-]", "_") + "\"";
  }

  @Override
  public void close() {
    workers.close();
  }
}

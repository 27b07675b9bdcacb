package io.outfall.app.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * A running server's HTTP API as the command line and the drills use it: one HTTP client, the API
 * token on every request, and a refusal that carries the server's own message.
 */
public final class ApiClient {
  /** The server answered with an error: its status and message. */
  public static final class Refused extends RuntimeException {
    public final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String server;
  private final String token;

  /**
   * @param server e.g. {@code http://127.0.0.1:8080}
   * @param token an API token; its user is the actor the server records
   */
  public ApiClient(String server, String token) {
    this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.token = token;
  }

  public String server() {
    return server;
  }

  /** A JSON resource, e.g. {@code GET /api/gateways}; {@code body} JSON or text, or null. */
  public JsonObject json(String method, String path, String body) throws IOException {
    HttpResponse<String> res =
        send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
    JsonObject json;
    try {
      json = new JsonObject(res.body());
    } catch (RuntimeException e) {
      throw new Refused(res.statusCode(), "HTTP " + res.statusCode() + ": " + res.body());
    }
    if (res.statusCode() >= 400) throw refused(res.statusCode(), json);
    return json;
  }

  public JsonObject get(String path) throws IOException {
    return json("GET", path, null);
  }

  /**
   * Saves what {@code GET path} answers in {@code file}, written whole or not at all (through a
   * temporary file beside it). Returns the bytes written.
   */
  public long download(String path, Path file) throws IOException {
    Path part = file.resolveSibling(file.getFileName() + ".part");
    HttpResponse<Path> res =
        send(request("GET", path, null), HttpResponse.BodyHandlers.ofFile(part));
    if (res.statusCode() >= 400) {
      String body = Files.readString(part);
      Files.deleteIfExists(part);
      JsonObject json;
      try {
        json = new JsonObject(body);
      } catch (RuntimeException e) {
        throw new Refused(res.statusCode(), "HTTP " + res.statusCode() + ": " + body);
      }
      throw refused(res.statusCode(), json);
    }
    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return Files.size(file);
  }

  private HttpRequest request(String method, String path, String body) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(server + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null && body.startsWith("{")) req.header("content-type", "application/json");
    return req.build();
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> body)
      throws IOException {
    try {
      return http.send(req, body);
    } catch (ConnectException e) {
      throw new IOException("cannot reach the server at " + server + " (is it running?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static Refused refused(int status, JsonObject answer) {
    return new Refused(
        status, answer.getString("error", answer.getString("message", "HTTP " + status)));
  }
}

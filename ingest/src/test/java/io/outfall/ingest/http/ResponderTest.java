package io.outfall.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Answers written in chunks ({@link WrittenJson}) arrive over a real HTTP server byte for byte as
 * Jackson writes them in one piece, with their length said: one smaller than a chunk, and one of
 * several chunks whose Vietnamese names (two- and three-byte UTF-8) straddle chunk boundaries.
 */
class ResponderTest {
  static Vertx vertx;
  static Responder responder;
  static HttpServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  /** Plants named so that characters of several bytes fall on every chunk boundary somewhere. */
  static void plants(JsonGenerator g, int count) throws IOException {
    g.writeStartObject();
    g.writeArrayFieldStart("plants");
    for (int i = 0; i < count; i++) {
      g.writeStartObject();
      g.writeStringField("site", "KCN-" + i);
      g.writeStringField("name", "Trạm xử lý nước thải tập trung Đồng Văn " + i);
      g.writeNumberField("cod", i * 0.25);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  static String inOnePiece(int count) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      plants(g, count);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    responder = new Responder(vertx, 2);
    Router router = Router.router(vertx);
    router
        .get("/plants/:count")
        .handler(
            ctx -> {
              int count = Integer.parseInt(ctx.pathParam("count"));
              responder.encoded(ctx, () -> WrittenJson.of(g -> plants(g, count)));
            });
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    responder.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<byte[]> get(int count) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.actualPort() + "/plants/" + count))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void anAnswerSmallerThanAChunkArrivesWhole() throws Exception {
    String expected = inOnePiece(10);
    assertThat(expected.getBytes(StandardCharsets.UTF_8).length).isLessThan(WrittenJson.CHUNK);

    HttpResponse<byte[]> r = get(10);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(expected);
  }

  @Test
  void anAnswerOfManyChunksArrivesByteForByteWithItsLength() throws Exception {
    // 5,000 plants of about 100 bytes: some 8 chunks of 64 KB
    String expected = inOnePiece(5_000);
    int bytes = expected.getBytes(StandardCharsets.UTF_8).length;
    assertThat(bytes).isGreaterThan(5 * WrittenJson.CHUNK);

    HttpResponse<byte[]> r = get(5_000);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-length")).hasValue(String.valueOf(bytes));
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).hasSize(bytes);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(expected);
  }
}

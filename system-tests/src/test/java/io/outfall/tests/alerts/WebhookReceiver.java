package io.outfall.tests.alerts;

import com.sun.net.httpserver.HttpServer;
import io.outfall.ingest.alerts.notify.WebhookNotifier;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A webhook endpoint that checks each request's HMAC signature, as a receiver must. */
final class WebhookReceiver implements AutoCloseable {
  record Received(String body, boolean signatureValid) {}

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  WebhookReceiver(String secret) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          String ts = ex.getRequestHeaders().getFirst("X-Outfall-Timestamp");
          String sig = ex.getRequestHeaders().getFirst("X-Outfall-Signature");
          boolean valid;
          try {
            valid =
                sig != null
                    && ts != null
                    && sig.equals(
                        "sha256="
                            + WebhookNotifier.sign(
                                secret.getBytes(StandardCharsets.UTF_8), ts, body));
          } catch (Exception e) {
            valid = false;
          }
          received.add(new Received(new String(body, StandardCharsets.UTF_8), valid));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

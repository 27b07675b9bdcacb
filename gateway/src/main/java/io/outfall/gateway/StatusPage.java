package io.outfall.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A small local page for the technician at the plant (no login: bind it to the plant network or
 * localhost): {@code /} shows buffer depth, last publish, device health and the active
 * configuration, refreshing itself; {@code /status} is the same as JSON.
 */
public final class StatusPage implements AutoCloseable {
  private final HttpServer server;

  public StatusPage(Gateway gateway, String host, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/status", ex -> send(ex, "application/json", gateway.status("online")));
    server.createContext(
        "/",
        ex -> {
          if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            return;
          }
          send(ex, "text/html; charset=utf-8", html(gateway.status()));
        });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  static byte[] html(Gateway.Status s) {
    StringBuilder rows = new StringBuilder();
    for (Gateway.DeviceHealth d : s.devices())
      rows.append(
          "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td></tr>"
              .formatted(
                  esc(d.name()),
                  esc(d.station()),
                  d.consecutiveFailures() == 0 ? "answering" : "<b>not answering</b>",
                  d.polls(),
                  d.failures(),
                  esc(d.lastError() == null ? "" : d.lastError())));
    var ack = s.lastConfigAck();
    String page =
        """
        <!doctype html><html><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="5"><title>Gateway %s</title>
        <style>body{font:15px system-ui,sans-serif;margin:1em}td,th{padding:.2em .6em;text-align:left}</style>
        </head><body><h1>Gateway %s <small>(site %s)</small></h1>
        <table>
        <tr><th>Broker</th><td>%s</td></tr>
        <tr><th>Buffered readings</th><td>%d</td></tr>
        <tr><th>Dropped (buffer or disk full; of them past buffer.max_age)</th><td>%d (%d)</td></tr>
        <tr><th>Polled / sent</th><td>%d / %d</td></tr>
        <tr><th>Last publish</th><td>%s</td></tr>
        <tr><th>Configuration</th><td>%s</td></tr>
        <tr><th>Last remote configuration</th><td>%s</td></tr>
        </table>
        <h2>Devices</h2><table><tr><th>Device</th><th>Station</th><th>State</th><th>Polls</th>
        <th>Failures</th><th>Last error</th></tr>%s</table></body></html>
        """
            .formatted(
                esc(s.gateway()),
                esc(s.gateway()),
                esc(s.site()),
                s.connected() ? "connected" : "<b>not connected (buffering)</b>",
                s.buffered(),
                s.dropped(),
                s.droppedByAge(),
                s.polled(),
                s.sent(),
                s.lastPublishMs() == 0 ? "never" : Instant.ofEpochMilli(s.lastPublishMs()),
                esc(s.configVersion()),
                ack == null
                    ? "none"
                    : esc(
                        ack.version()
                            + ": "
                            + ack.outcome().code()
                            + (ack.reason() == null ? "" : " (" + ack.reason() + ")")),
                rows);
    return page.getBytes(StandardCharsets.UTF_8);
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
    send(ex, 200, type, body);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (var out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

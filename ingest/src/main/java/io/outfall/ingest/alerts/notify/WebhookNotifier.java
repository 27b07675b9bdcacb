package io.outfall.ingest.alerts.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed JSON webhooks. The receiver recomputes {@code HMAC-SHA256(secret, timestamp + "." + body)}
 * and compares it with {@code X-Outfall-Signature: sha256=<hex>}; the timestamp header lets it
 * refuse replays. Any answer other than 2xx is a failure, retried from the outbox.
 */
public final class WebhookNotifier implements Notifier {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI url;
  private final byte[] secret;

  public WebhookNotifier(String url, String secret) {
    this.url = URI.create(url);
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String channel() {
    return "webhook";
  }

  @Override
  public void send(AlertNotice n) throws Exception {
    byte[] body = Json.MAPPER.writeValueAsBytes(Json.of(n));
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .header("X-Outfall-Timestamp", timestamp)
            .header("X-Outfall-Signature", "sha256=" + sign(secret, timestamp, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() / 100 != 2)
      throw new IllegalStateException("webhook answered " + res.statusCode());
  }

  /** The signature a receiver must compute to trust a webhook. */
  public static String sign(byte[] secret, String timestamp, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) '.');
    return HexFormat.of().formatHex(mac.doFinal(body));
  }
}

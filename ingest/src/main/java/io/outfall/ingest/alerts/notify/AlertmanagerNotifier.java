package io.outfall.ingest.alerts.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Posts alerts to Prometheus Alertmanager's API (v2), so that its routing, grouping, inhibition and
 * receivers apply. A firing alert is sent with an end one hour ahead and must be re-sent before
 * then ({@link #send} is idempotent: Alertmanager merges by labels); a resolved one with its end
 * time.
 */
public final class AlertmanagerNotifier implements Notifier {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI endpoint;

  public AlertmanagerNotifier(String baseUrl) {
    this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/api/v2/alerts");
  }

  @Override
  public String channel() {
    return "alertmanager";
  }

  @Override
  public void send(AlertNotice n) throws Exception {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("alertname", "Outfall_" + n.kind());
    labels.put("family", n.family());
    labels.put("station", n.station());
    if (n.site() != null) labels.put("site", n.site());
    if (n.parameter() != null) labels.put("parameter", n.parameter());
    labels.put("severity", n.family().equals("compliance") ? "critical" : "warning");
    if (n.band() != null) labels.put("band", n.band());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("summary", Messages.subject(n, Messages.Language.EN));
    annotations.put("summary_vi", Messages.subject(n, Messages.Language.VI));
    annotations.put("description", Messages.body(n, Messages.Language.EN));
    annotations.put("alert_id", Long.toString(n.alertId()));
    Map<String, Object> alert = new LinkedHashMap<>();
    alert.put("labels", labels);
    alert.put("annotations", annotations);
    alert.put("startsAt", n.startedAt().toString());
    alert.put(
        "endsAt",
        (n.resolvedAt() != null ? n.resolvedAt() : Instant.now().plus(Duration.ofHours(1)))
            .toString());
    if (n.link() != null) alert.put("generatorURL", n.link());
    byte[] body = Json.MAPPER.writeValueAsBytes(List.of(alert));
    HttpRequest req =
        HttpRequest.newBuilder(endpoint)
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() / 100 != 2)
      throw new IllegalStateException(
          "alertmanager answered " + res.statusCode() + ": " + res.body());
  }
}

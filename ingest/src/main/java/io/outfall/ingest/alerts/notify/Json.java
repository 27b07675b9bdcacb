package io.outfall.ingest.alerts.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shape of a notice, shared by the webhook and tests. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static Map<String, Object> of(AlertNotice n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alert_id", n.alertId());
    m.put("event", n.event());
    m.put("family", n.family());
    m.put("kind", n.kind());
    m.put("site", n.site());
    m.put("station", n.station());
    m.put("parameter", n.parameter());
    m.put("value", n.value());
    m.put("peak", n.peak());
    m.put("limit", n.limit());
    m.put("unit", n.unit());
    m.put("factor", n.factor());
    m.put("band", n.band());
    m.put("window_start", str(n.windowStart()));
    m.put("window_end", str(n.windowEnd()));
    m.put("started_at", str(n.startedAt()));
    m.put("resolved_at", str(n.resolvedAt()));
    m.put("standard", n.standard());
    m.put("detail", n.detail());
    m.put("link", n.link());
    m.put("text_vi", Messages.subject(n, Messages.Language.VI));
    m.put("text_en", Messages.subject(n, Messages.Language.EN));
    return m;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}

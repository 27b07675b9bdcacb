package io.outfall.ingest.alerts.notify;

import java.time.Instant;

/**
 * What a notification says about an alert.
 *
 * @param event opened, worsened, escalated or resolved
 * @param family compliance (a breach), warning or data_quality
 * @param limit the limit as text ("135", "[5.5, 9]"), null for data-quality alerts
 */
public record AlertNotice(
    long alertId,
    String event,
    String station,
    String site,
    String parameter,
    String kind,
    String family,
    Double value,
    Double peak,
    String limit,
    String unit,
    Double factor,
    String band,
    Instant windowStart,
    Instant windowEnd,
    Instant startedAt,
    Instant resolvedAt,
    String standard,
    String detail,
    String link) {}

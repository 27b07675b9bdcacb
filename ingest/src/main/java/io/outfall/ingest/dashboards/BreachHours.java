package io.outfall.ingest.dashboards;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hours in breach: the hours of a period during which a station had at least one compliance alert,
 * the union of the alerts' spans, so that two parameters in breach at once count once. The overview
 * and the compliance report count them by this one rule.
 */
final class BreachHours {
  private BreachHours() {}

  /** A compliance alert's span: from its start to its resolution, or on while it is open. */
  record Span(Instant start, Instant resolved) {}

  private static final double NANOS_PER_HOUR = Duration.ofHours(1).toNanos();

  /**
   * The compliance alerts' spans that reach into [from, to), by station (of {@code stations} only
   * when not null), in no order.
   */
  static Map<String, List<Span>> spans(
      Connection c, Collection<String> stations, Instant from, Instant to) throws SQLException {
    Map<String, List<Span>> out = new HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT station, started_at, resolved_at FROM alerts WHERE family = 'compliance'"
                + " AND started_at < ? AND coalesce(resolved_at, 'infinity') > ?"
                + (stations == null ? "" : " AND station = ANY (?)"))) {
      ps.setTimestamp(1, Timestamp.from(to));
      ps.setTimestamp(2, Timestamp.from(from));
      if (stations != null) ps.setArray(3, c.createArrayOf("text", stations.toArray()));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp resolved = rs.getTimestamp(3);
          out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new Span(
                      rs.getTimestamp(2).toInstant(),
                      resolved == null ? null : resolved.toInstant()));
        }
      }
    }
    return out;
  }

  /** Hours of [from, to) inside at least one of {@code spans} (an open span runs to {@code to}). */
  static double of(List<Span> spans, Instant from, Instant to) {
    List<Span> clipped = new ArrayList<>();
    for (Span s : spans) {
      Instant start = s.start().isAfter(from) ? s.start() : from;
      Instant end = s.resolved() == null || s.resolved().isAfter(to) ? to : s.resolved();
      if (start.isBefore(end)) clipped.add(new Span(start, end));
    }
    clipped.sort(Comparator.comparing(Span::start));
    long nanos = 0;
    Instant runStart = null;
    Instant runEnd = null;
    for (Span s : clipped) {
      if (runEnd != null && !s.start().isAfter(runEnd)) {
        if (s.resolved().isAfter(runEnd)) runEnd = s.resolved(); // overlaps or touches the run
        continue;
      }
      if (runEnd != null) nanos += Duration.between(runStart, runEnd).toNanos();
      runStart = s.start();
      runEnd = s.resolved();
    }
    if (runEnd != null) nanos += Duration.between(runStart, runEnd).toNanos();
    return nanos / NANOS_PER_HOUR;
  }

  /** {@link #of} for each station with spans. */
  static Map<String, Double> byStation(Map<String, List<Span>> spans, Instant from, Instant to) {
    Map<String, Double> out = new HashMap<>();
    spans.forEach(
        (station, s) -> {
          double h = of(s, from, to);
          if (h > 0) out.put(station, h);
        });
    return out;
  }
}

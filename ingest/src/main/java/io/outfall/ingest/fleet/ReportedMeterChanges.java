package io.outfall.ingest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outfall.ingest.dashboards.Meters;
import io.outfall.ingest.http.Responder;
import io.outfall.protocol.Topics;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meters replaced at a plant, as its gateway reports them in its status ({@code meter_changes}: the
 * technician recorded them with {@code outfall gateway meter-change}): each is recorded once, as if
 * an admin had entered it, so that the new meter's starting value is not counted as consumption. A
 * gateway repeats its recent changes in every status; those already handled are remembered here and
 * not written again. Every ingest instance hears every status; the database keeps one row (the
 * insert is idempotent).
 */
public final class ReportedMeterChanges {
  private static final Logger log = LoggerFactory.getLogger(ReportedMeterChanges.class);

  private final Meters meters;
  private final Responder responder;
  private final Set<String> handled = ConcurrentHashMap.newKeySet();
  private final Map<Meters.Reported, Counter> counted = new EnumMap<>(Meters.Reported.class);

  public ReportedMeterChanges(
      GatewayFleet fleet, Meters meters, Responder responder, MeterRegistry registry) {
    this.meters = meters;
    this.responder = responder;
    for (Meters.Reported r : Meters.Reported.values())
      counted.put(
          r,
          Counter.builder("outfall.gateway.meter.changes")
              .description(
                  "Meter replacements gateways reported: recorded, already recorded, or refused"
                      + " (not a meter of the reporting gateway's plant)")
              .tag("outcome", r.name().toLowerCase())
              .register(registry));
    fleet.onStatus(this::status);
  }

  /** On the MQTT client's thread: only new changes go on, to a worker. */
  private void status(Topics.Address at, JsonNode message) {
    for (JsonNode c : message.path("status").path("meter_changes")) {
      String station = c.path("station").asText();
      String parameter = c.path("parameter").asText();
      long atMs = c.path("at_ms").asLong();
      String key = at.site() + "/" + station + "/" + parameter + "/" + atMs;
      if (station.isEmpty() || parameter.isEmpty() || !handled.add(key)) continue;
      Meters.Change change =
          new Meters.Change(
              Instant.ofEpochMilli(atMs),
              c.path("old_final").asDouble(),
              c.path("new_start").asDouble(),
              c.path("note").isTextual() ? c.path("note").asText() : null,
              "gateway " + at.site() + "/" + at.gateway(),
              Instant.now());
      responder
          .blocking(() -> meters.recordReported(at.site(), station, parameter, change))
          .onSuccess(
              r -> {
                counted.get(r).increment();
                if (r == Meters.Reported.REFUSED)
                  log.warn(
                      "gateway {}/{} reported a meter change for {} {}, not a meter of a station"
                          + " of its plant: refused",
                      at.site(),
                      at.gateway(),
                      station,
                      parameter);
                else if (r == Meters.Reported.RECORDED)
                  log.info(
                      "gateway {}/{}: {} {} replaced at {} recorded",
                      at.site(),
                      at.gateway(),
                      station,
                      parameter,
                      change.at());
              })
          .onFailure(
              e -> {
                handled.remove(key); // the next status tries again
                log.warn("gateway meter change {} not recorded yet: {}", key, e.toString());
              });
    }
  }
}

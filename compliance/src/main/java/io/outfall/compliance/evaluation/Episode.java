package io.outfall.compliance.evaluation;

import io.outfall.compliance.standards.Limit;
import java.time.Instant;
import java.util.Locale;

/**
 * Something that starts and later ends: a breach (as an alert, with hysteresis), an early warning,
 * or a data-quality issue. {@code end} is null while it lasts.
 *
 * @param parameter null for station-wide issues (stale)
 * @param peak the worst value seen (for a breach: the worst window mean)
 * @param limit the limit it was judged against, null for data-quality issues
 */
public record Episode(
    Kind kind,
    String station,
    String parameter,
    Instant start,
    Instant end,
    Double peak,
    Limit limit,
    String detail) {

  public enum Kind {
    /** Window means above the limit (opened by a breaching window, resolved with hysteresis). */
    BREACH(Family.COMPLIANCE),
    /** A single valid reading above the limit: an early warning, not a breach. */
    EXCEEDANCE(Family.WARNING),
    /** Valid readings above the approach share of the limit. */
    APPROACH(Family.WARNING),
    STALE(Family.DATA_QUALITY),
    FLAT_LINE(Family.DATA_QUALITY),
    IMPOSSIBLE_VALUE(Family.DATA_QUALITY),
    PROLONGED_FAULT(Family.DATA_QUALITY),
    LOW_COMPLETENESS(Family.DATA_QUALITY),
    /**
     * The station's files to the environment department are behind: raised by the server's
     * regulator link, not by the evaluator of readings.
     */
    TRANSMISSION_BEHIND(Family.DATA_QUALITY, false),
    /**
     * The station's gateway dropped readings unsent (its buffer or disk full, or readings older
     * than its buffer.max_age after a long outage): raised from the gateway's status.
     */
    READINGS_DROPPED(Family.DATA_QUALITY, false);

    public final Family family;

    /** Whether the evaluator of readings raises and ends it (else another part of the server). */
    public final boolean evaluated;

    Kind(Family family) {
      this(family, true);
    }

    Kind(Family family, boolean evaluated) {
      this.family = family;
      this.evaluated = evaluated;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public enum Family {
    COMPLIANCE,
    WARNING,
    DATA_QUALITY
  }

  /**
   * An episode of a whole station, not of a parameter and not judged against a limit, as the
   * server's own watchers raise them (files behind, readings dropped at the plant).
   *
   * @param end null while it lasts
   */
  public static Episode ofStation(
      Kind kind, String station, Instant start, Instant end, String detail) {
    return new Episode(kind, station, null, start, end, null, null, detail);
  }

  Episode closedAt(Instant at) {
    return new Episode(kind, station, parameter, start, at, peak, limit, detail);
  }

  Episode withPeak(Double p, Kind k) {
    return new Episode(k, station, parameter, start, end, p, limit, detail);
  }
}

package io.outfall.ingest.dashboards;

import io.outfall.compliance.sampling.Completeness;
import io.outfall.compliance.sampling.SamplingPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The five-minute valid-reading masks the writer keeps (hourly rows, and daily rows of 288 bits),
 * read back as the start times of the filled slots, so that the pages and reports count
 * completeness with {@link Completeness}, the one definition the alerts and {@code outfall check}
 * use. Whole UTC days come from {@code readings_daily}, the ragged ends from {@code
 * readings_hourly}. Meters (cumulative counters) are left out: they are not sampled.
 */
final class SlotMasks {
  private static final long FIVE_MINUTES = Duration.ofMinutes(5).toMillis();

  private SlotMasks() {}

  /** The filled slots' start times (ascending), the first being where completeness counts from. */
  static final class Series {
    private long[] starts = new long[64];
    private int n;

    private void add(long ms) {
      if (n == starts.length) starts = Arrays.copyOf(starts, n * 2);
      starts[n++] = ms;
    }

    /** Completeness over [from, to), from the slot of the first valid reading if later. */
    Completeness.Share share(Instant from, Instant to, SamplingPlan plan, String parameter) {
      Duration slot = plan.slot(parameter);
      Instant first = n == 0 ? null : Instant.ofEpochMilli(starts[0]);
      return Completeness.of(
          Arrays.copyOf(starts, n), Completeness.monitoredFrom(from, first, slot), to, slot);
    }
  }

  /**
   * Every sampled parameter's filled slots in [from, to) (from rounded down to its hour), by
   * station id and parameter code, of one station or (stationId null) of all.
   */
  static Map<Integer, Map<String, Series>> read(
      Connection c, Integer stationId, Instant from, Instant to) throws SQLException {
    Instant fromHour = from.truncatedTo(ChronoUnit.HOURS);
    Instant daysFrom = fromHour.truncatedTo(ChronoUnit.DAYS);
    if (daysFrom.isBefore(fromHour)) daysFrom = daysFrom.plus(Duration.ofDays(1));
    Instant daysTo = to.truncatedTo(ChronoUnit.DAYS);
    if (!daysFrom.isBefore(daysTo)) daysFrom = daysTo = fromHour; // no whole day: hours only
    String station = stationId == null ? "" : " AND station_id = " + stationId.intValue();
    String sql =
        "SELECT station_id, p.code, (extract(epoch FROM start) * 1000)::bigint, bits, daily"
            + " FROM ("
            + " SELECT station_id, parameter_id, day::timestamp AT TIME ZONE 'UTC' AS start,"
            + "   valid_slots::text AS bits, true AS daily"
            + "   FROM readings_daily WHERE day >= ? AND day < ?"
            + station
            + " UNION ALL"
            + " SELECT station_id, parameter_id, hour, valid_slots::text, false"
            + "   FROM readings_hourly WHERE ((hour >= ? AND hour < ?) OR (hour >= ? AND hour < ?))"
            + station
            + ") x JOIN parameters p ON p.id = x.parameter_id AND p.kind <> 'meter'"
            + " ORDER BY station_id, p.code, start";
    Map<Integer, Map<String, Series>> out = new LinkedHashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setObject(1, LocalDate.ofInstant(daysFrom, ZoneOffset.UTC));
      ps.setObject(2, LocalDate.ofInstant(daysTo, ZoneOffset.UTC));
      ps.setTimestamp(3, Timestamp.from(fromHour));
      ps.setTimestamp(4, Timestamp.from(daysFrom));
      ps.setTimestamp(5, Timestamp.from(daysTo));
      ps.setTimestamp(6, Timestamp.from(to));
      ps.setFetchSize(5_000);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          Series s =
              out.computeIfAbsent(rs.getInt(1), k -> new LinkedHashMap<>())
                  .computeIfAbsent(rs.getString(2), k -> new Series());
          long start = rs.getLong(3);
          String bits = rs.getString(4);
          if (rs.getBoolean(5)) daily(s, start, bits);
          else hourly(s, start, Integer.parseInt(bits));
        }
      }
    }
    return out;
  }

  // bit(288) prints its first bit first; the writer puts hour h's slot i at bit 12h + i counted
  // from the right (the hourly int shifted left by 12h), so slot k of the day is character 287 - k.
  private static void daily(Series s, long dayStart, String bits) {
    forEachSlot(dayStart, bits, s::add);
  }

  /** The start (epoch ms) of each filled slot of a day's mask as {@code bit(288)} prints it. */
  static void forEachSlot(long dayStart, String bits, LongConsumer slotStart) {
    for (int k = 0; k < 288; k++)
      if (bits.charAt(287 - k) == '1') slotStart.accept(dayStart + k * FIVE_MINUTES);
  }

  private static void hourly(Series s, long hour, int mask) {
    for (int i = 0; i < 12; i++) if ((mask & (1 << i)) != 0) s.add(hour + i * FIVE_MINUTES);
  }
}

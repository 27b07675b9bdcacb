package io.outfall.ingest.donre;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.protocol.DeviceStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a station's files from its stored readings: for each interval, one line per parameter the
 * department's symbol map carries and the station reported in it. A line holds the interval's last
 * reading with its own time and status, or with {@code donre.value: mean} the mean of the
 * interval's measuring (00) readings stamped with the interval's start (the last reading and its
 * status when none was measuring). An interval without such a reading has no file.
 */
final class FileMaker {
  /** A station as the files name it. */
  record Station(int id, String site, String code) {}

  /** One interval's file. */
  record Made(Instant start, Instant end, String name, byte[] content) {}

  private final DonreSettings settings;
  private final Intervals intervals;
  private final ParameterCatalog catalog;

  FileMaker(DonreSettings settings, Intervals intervals, ParameterCatalog catalog) {
    this.settings = settings;
    this.intervals = intervals;
    this.catalog = catalog;
  }

  /** The station's files for the intervals that start in [from, to), oldest first. */
  List<Made> files(Connection c, Station station, Instant from, Instant to) throws SQLException {
    // date_bin's origin: a local midnight, so that buckets are the wall-clock intervals
    Instant origin = intervals.startOf(Instant.parse("2000-01-01T12:00:00Z"));
    String sql =
        settings.mean()
            ? "SELECT date_bin(?::interval, ts, ?) b, parameter_id,"
                + " avg(value) FILTER (WHERE status = 0), count(*) FILTER (WHERE status = 0),"
                + " (array_agg(value ORDER BY ts DESC))[1], (array_agg(status ORDER BY ts DESC))[1],"
                + " max(ts)"
                + " FROM readings WHERE station_id = ? AND ts >= ? AND ts < ?"
                + " GROUP BY 1, 2 ORDER BY 1, 2"
            : "SELECT DISTINCT ON (1, 2) date_bin(?::interval, ts, ?) b, parameter_id,"
                + " NULL::float8, 0::bigint, value, status, ts"
                + " FROM readings WHERE station_id = ? AND ts >= ? AND ts < ?"
                + " ORDER BY 1, 2, ts DESC";
    Map<Instant, List<DonreFile.Line>> byInterval = new LinkedHashMap<>();
    try (var ps = c.prepareStatement(sql)) {
      ps.setString(1, intervals.length().getSeconds() + " seconds");
      ps.setTimestamp(2, Timestamp.from(origin));
      ps.setInt(3, station.id());
      ps.setTimestamp(4, Timestamp.from(intervals.startOf(from)));
      ps.setTimestamp(5, Timestamp.from(to));
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          ParameterCatalog.Parameter p = catalog.byId(rs.getShort(2));
          SymbolMap.Symbol symbol = p == null ? null : settings.symbols().forParameter(p.code());
          if (symbol == null) continue; // not what the department receives
          Instant start = rs.getTimestamp(1).toInstant();
          boolean averaged = settings.mean() && rs.getLong(4) > 0;
          DonreFile.Line line =
              averaged
                  ? new DonreFile.Line(
                      symbol.symbol(),
                      rs.getDouble(3),
                      symbol.unit(),
                      intervals.local(start),
                      DeviceStatus.MEASURING)
                  : new DonreFile.Line(
                      symbol.symbol(),
                      rs.getDouble(5),
                      symbol.unit(),
                      intervals.local(rs.getTimestamp(7).toInstant()),
                      DeviceStatus.ofOrdinalCode(rs.getShort(6)));
          byInterval.computeIfAbsent(start, k -> new ArrayList<>()).add(line);
        }
      }
    }
    List<Made> out = new ArrayList<>();
    byInterval.forEach(
        (start, lines) -> {
          Instant end = intervals.endOf(start);
          out.add(
              new Made(
                  start,
                  end,
                  settings.names().name(station.site(), station.code(), intervals.local(end)),
                  settings.format().write(lines)));
        });
    return out;
  }

  /** The file of one interval, or null when it has none. */
  Made file(Connection c, Station station, Instant start) throws SQLException {
    List<Made> made = files(c, station, start, intervals.endOf(start));
    return made.isEmpty() ? null : made.get(0);
  }
}

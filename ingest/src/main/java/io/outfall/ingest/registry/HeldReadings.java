package io.outfall.ingest.registry;

import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readings of stations no one registered, held ({@code registry.unregistered-stations: park}) until
 * an admin accepts the station or discards them. Accepting registers the station under the plant
 * its readings came from and hands the held readings to the {@link ReadingWriter} as if they had
 * just arrived, so they are stored, aggregated and judged exactly like any others; each slice
 * leaves the hold only when the writer has committed it (its acknowledgement deletes it), so an
 * accept interrupted by a crash loses nothing and can simply be repeated. Blocking JDBC.
 */
public final class HeldReadings {
  private static final Logger log = LoggerFactory.getLogger(HeldReadings.class);

  /** Readings handed to the writer at once. */
  static final int SLICE = 5_000;

  /** A station whose readings are held: where they came from, how many, over what time. */
  public record HeldStation(
      String station,
      String site,
      String gateway,
      long readings,
      Instant first,
      Instant last,
      List<Short> parameterIds) {}

  /** What an accept did. */
  public record Accepted(String station, String site, long stored) {}

  private final DataSource ds;
  private final ReadingWriter writer;

  public HeldReadings(DataSource ds, ReadingWriter writer) {
    this.ds = ds;
    this.writer = writer;
  }

  public List<HeldStation> list() throws SQLException {
    List<HeldStation> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT station, min(site), min(gateway), count(*), min(ts), max(ts),"
                    + " array_agg(DISTINCT parameter_id ORDER BY parameter_id)"
                    + " FROM unregistered_readings GROUP BY station ORDER BY station")) {
      while (rs.next()) {
        List<Short> ids = new ArrayList<>();
        for (Object o : (Object[]) rs.getArray(7).getArray()) ids.add(((Number) o).shortValue());
        out.add(
            new HeldStation(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getTimestamp(5).toInstant(),
                rs.getTimestamp(6).toInstant(),
                ids));
      }
    }
    return out;
  }

  /**
   * Registers {@code station} under the plant its readings came from (registering the plant too
   * when needed) and stores its held readings through the writer, waiting up to {@code wait} for
   * them to be committed. Null when nothing of the station is held.
   */
  public Accepted accept(String station, String by, Duration wait)
      throws SQLException, InterruptedException {
    String site;
    try (Connection c = ds.getConnection()) {
      String gateway;
      try (var ps =
          c.prepareStatement(
              "SELECT site, gateway FROM unregistered_readings WHERE station = ? LIMIT 1")) {
        ps.setString(1, station);
        try (var rs = ps.executeQuery()) {
          if (!rs.next()) return null;
          site = rs.getString(1);
          gateway = rs.getString(2);
        }
      }
      // the writer's own registration, recording the admin who accepted it
      StationDirectory.register(c, station, new StationDirectory.Registration(site, gateway), by);
    }
    long stored = 0;
    List<Slice> slices = slices(station, site);
    CountDownLatch committed = new CountDownLatch(slices.size());
    for (Slice s : slices) {
      Delivery delivery =
          new Delivery(
              "registry/accept/" + station,
              new byte[0],
              "application/x-outfall-held",
              () -> {
                release(s);
                committed.countDown();
              });
      writer.submit(
          new Inbound(
              delivery, s.site(), s.gateway(), null, s.rows(), List.of(), 0, System.nanoTime()));
      stored += s.rows().size();
    }
    if (!committed.await(wait.toMillis(), TimeUnit.MILLISECONDS))
      throw new IllegalStateException(
          "the writer has not committed the readings of "
              + station
              + " within "
              + wait.toSeconds()
              + " s (database down?); they stay held until it does, accept again to check");
    return new Accepted(station, site, stored);
  }

  /** Deletes the held readings of {@code station}; how many. */
  public long discard(String station) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps = c.prepareStatement("DELETE FROM unregistered_readings WHERE station = ?")) {
      ps.setString(1, station);
      return ps.executeUpdate();
    }
  }

  private record Slice(String site, String gateway, List<Inbound.Row> rows) {}

  private List<Slice> slices(String station, String site) throws SQLException {
    List<Slice> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "SELECT gateway, parameter_id, (extract(epoch FROM ts) * 1000)::bigint, value,"
                    + " status FROM unregistered_readings WHERE station = ? AND site = ?"
                    + " ORDER BY gateway, ts")) {
      ps.setString(1, station);
      ps.setString(2, site);
      try (var rs = ps.executeQuery()) {
        List<Inbound.Row> rows = new ArrayList<>();
        String gateway = null;
        while (rs.next()) {
          if (gateway != null && (!gateway.equals(rs.getString(1)) || rows.size() == SLICE)) {
            out.add(new Slice(site, gateway, rows));
            rows = new ArrayList<>();
          }
          gateway = rs.getString(1);
          rows.add(
              new Inbound.Row(
                  station, rs.getShort(2), rs.getLong(3), rs.getDouble(4), rs.getShort(5)));
        }
        if (!rows.isEmpty()) out.add(new Slice(site, gateway, rows));
      }
    }
    return out;
  }

  /** Deletes exactly the readings of a committed slice from the hold. */
  private void release(Slice s) {
    short[] params = new short[s.rows().size()];
    Timestamp[] times = new Timestamp[s.rows().size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = s.rows().get(i).parameterId();
      times[i] = new Timestamp(s.rows().get(i).timestampMs());
    }
    Short[] boxed = new Short[params.length];
    for (int i = 0; i < params.length; i++) boxed[i] = params[i];
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement(
                "DELETE FROM unregistered_readings u USING unnest(?::smallint[], ?::timestamptz[])"
                    + " AS k(parameter_id, ts) WHERE u.station = ? AND u.parameter_id = k.parameter_id"
                    + " AND u.ts = k.ts")) {
      ps.setArray(1, c.createArrayOf("smallint", boxed));
      ps.setArray(2, c.createArrayOf("timestamptz", times));
      ps.setString(3, s.rows().get(0).station());
      ps.executeUpdate();
    } catch (SQLException e) {
      // Stored already; left in the hold they are stored again (idempotently) on the next accept.
      log.warn(
          "held readings of {} stored but not released: {}",
          s.rows().get(0).station(),
          e.toString());
    }
  }
}

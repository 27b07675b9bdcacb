package io.outfall.ingest.alerts;

import io.outfall.compliance.permits.EffectiveLimits;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.Csv;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.sql.DataSource;

/**
 * What an inspector takes away from a breach episode, as one zip: the station's readings of the
 * episode and 24 h either side (with their device status), the hourly means, the permit version in
 * force and how the limit was derived from it, the calibration and fault periods, the gateway's
 * configuration at the time, the alert's timeline, and a manifest with the SHA-256 of every file
 * (also as {@code SHA256SUMS}, which {@code sha256sum -c} checks), so that what was handed over can
 * be shown unchanged later.
 *
 * <p>The zip is written to a file, not held in memory: an episode of weeks at 10-second readings is
 * millions of rows. Blocking JDBC: call from worker threads only.
 */
public final class EvidencePack {
  /** How much of the station's record on either side of the episode goes with it. */
  static final Duration AROUND = Duration.ofHours(24);

  /** Longer than this, the readings are the regulator link's export's job, not a pack's. */
  static final Duration LONGEST = Duration.ofDays(35);

  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private final DataSource ds;
  private final AlertQueries queries;
  private final PermitStore permits;
  private final ZoneId zone;

  public EvidencePack(DataSource ds, AlertQueries queries, PermitStore permits, ZoneId zone) {
    this.ds = ds;
    this.queries = queries;
    this.permits = permits;
    this.zone = zone;
  }

  /** Writes alert {@code id}'s pack to {@code zip}; 404 when there is no such alert. */
  public void write(long id, String by, Instant now, Path zip) throws Exception {
    AlertQueries.Detail d =
        queries.detail(id).orElseThrow(() -> ApiError.notFound("no alert " + id));
    AlertQueries.Alert a = d.alert();
    Instant end = a.resolvedAt() != null ? a.resolvedAt() : now;
    Instant from = a.startedAt().minus(AROUND);
    Instant to = end.plus(AROUND).isAfter(now) ? now : end.plus(AROUND);
    if (Duration.between(from, to).compareTo(LONGEST) > 0)
      throw ApiError.badRequest(
          "alert "
              + id
              + " spans "
              + Duration.between(from, to).toDays()
              + " days with the 24 h around it; a pack holds at most "
              + LONGEST.toDays()
              + ": take the readings with GET /api/export/donre");
    Instant judgedAt = a.windowStart() != null ? a.windowStart() : a.startedAt();
    List<Written> files = new ArrayList<>();
    try (OutputStream out = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(out);
        Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      c.setAutoCommit(false); // one snapshot for every file, and a cursor for the readings
      files.add(entry(z, "alert.json", w -> w.write(AlertsApi.detail(d).encodePrettily())));
      files.add(entry(z, "readings.csv", w -> readings(c, a.station(), from, to, w)));
      files.add(entry(z, "hourly_means.csv", w -> hourly(c, a.station(), from, to, w)));
      files.add(entry(z, "device_status.csv", w -> deviceStatus(c, a.station(), from, to, w)));
      PermitStore.Version permit = inForce(permits.history(a.station()), judgedAt);
      if (permit != null) files.add(entry(z, "permit.yaml", w -> w.write(permit.document())));
      files.add(entry(z, "limit.json", w -> w.write(limit(a, permit, judgedAt).encodePrettily())));
      files.add(
          entry(
              z, "gateway.json", w -> w.write(gateway(c, a.station(), judgedAt).encodePrettily())));
      c.commit();
      JsonArray listed = new JsonArray();
      StringBuilder sums = new StringBuilder();
      for (Written f : files) {
        listed.add(
            new JsonObject().put("name", f.name).put("bytes", f.bytes).put("sha256", f.sha256));
        sums.append(f.sumLine());
      }
      JsonObject manifest =
          new JsonObject()
              .put("alert", id)
              .put("station", a.station())
              .put("parameter", a.parameter())
              .put("readings_from", from)
              .put("readings_to", to)
              .put("tz", zone.getId())
              .put("generated_at", now)
              .put("generated_by", by)
              .put("files", listed);
      Written m = entry(z, "manifest.json", w -> w.write(manifest.encodePrettily()));
      sums.append(m.sumLine());
      entry(z, "SHA256SUMS", w -> w.write(sums.toString()));
    }
  }

  /** The version a window starting at {@code t} was judged by: the last created before it. */
  private static PermitStore.Version inForce(List<PermitStore.Version> newestFirst, Instant t) {
    for (PermitStore.Version v : newestFirst) if (!v.createdAt().isAfter(t)) return v;
    return newestFirst.isEmpty() ? null : newestFirst.get(newestFirst.size() - 1);
  }

  private JsonObject limit(AlertQueries.Alert a, PermitStore.Version permit, Instant judgedAt) {
    JsonObject out =
        new JsonObject()
            .put("parameter", a.parameter())
            .put("judged_window_start", a.windowStart())
            .put("judged_window_end", a.windowEnd())
            .put("judged_value", a.value())
            .put("alert_limit", a.limit())
            .put("alert_factor", a.factor())
            .put("band", a.band())
            .put("standard", a.standard());
    if (permit == null) return out.put("permit", null).put("why", "the station has no permit");
    out.put(
        "permit",
        new JsonObject()
            .put("version", permit.version())
            .put("changed_by", permit.changedBy())
            .put("comment", permit.comment())
            .put("created_at", permit.createdAt()));
    EffectiveLimits limits = permits.schedule(permit).at(judgedAt);
    out.put("permit_standard", limits.standard().name())
        .put("column", limits.column())
        .put("tier", limits.tier())
        .put("coefficients", new JsonObject(new LinkedHashMap<>(limits.coefficients())));
    EffectiveLimits.Entry e = a.parameter() == null ? null : limits.get(a.parameter());
    return out.put("limit", e == null ? null : AlertsApi.limit(e));
  }

  private static final String STATION_ID = "(SELECT id FROM stations WHERE code = ?)";

  private void readings(Connection c, String station, Instant from, Instant to, Writer w)
      throws SQLException, IOException {
    w.write("station,parameter,time_utc,time_local,value,unit,status\n");
    String sql =
        "SELECT p.code, r.ts, r.value, p.unit, r.status FROM readings r"
            + " JOIN parameters p ON p.id = r.parameter_id"
            + " WHERE r.station_id = "
            + STATION_ID
            + " AND r.ts >= ? AND r.ts < ? ORDER BY r.ts, p.code";
    try (var ps = c.prepareStatement(sql)) {
      ps.setFetchSize(10_000);
      bind(ps, station, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Instant ts = rs.getTimestamp(2).toInstant();
          w.write(
              Csv.field(station)
                  + ","
                  + Csv.field(rs.getString(1))
                  + ","
                  + ts
                  + ","
                  + LOCAL.format(ts.atZone(zone))
                  + ","
                  + rs.getDouble(3)
                  + ","
                  + Csv.field(rs.getString(4))
                  + ","
                  + status(rs.getShort(5))
                  + "\n");
        }
      }
    }
  }

  private void hourly(Connection c, String station, Instant from, Instant to, Writer w)
      throws SQLException, IOException {
    w.write(
        "parameter,hour_utc,hour_local,readings,valid,calibrating,fault,mean_valid,min_valid,"
            + "max_valid,slots_filled_of_12\n");
    String sql =
        "SELECT p.code, h.hour, h.n, h.n_valid, h.n_calibrating, h.n_fault,"
            + " h.sum_valid / nullif(h.n_valid, 0), h.min_valid, h.max_valid,"
            + " bit_count(h.valid_slots::bit(12)) FROM readings_hourly h"
            + " JOIN parameters p ON p.id = h.parameter_id WHERE h.station_id = "
            + STATION_ID
            + " AND h.hour >= date_trunc('hour', ?::timestamptz) AND h.hour < ?"
            + " ORDER BY p.code, h.hour";
    try (var ps = c.prepareStatement(sql)) {
      bind(ps, station, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Instant hour = rs.getTimestamp(2).toInstant();
          w.write(
              String.join(
                      ",",
                      Csv.field(rs.getString(1)),
                      hour.toString(),
                      LOCAL.format(hour.atZone(zone)),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getString(6),
                      nullable(rs, 7),
                      nullable(rs, 8),
                      nullable(rs, 9),
                      rs.getString(10))
                  + "\n");
        }
      }
    }
  }

  /** Runs of calibrating (01) or fault (02) readings per parameter: from the first to the last. */
  private void deviceStatus(Connection c, String station, Instant from, Instant to, Writer w)
      throws SQLException, IOException {
    w.write("parameter,status,first_utc,last_utc,readings\n");
    String sql =
        "SELECT code, status, min(ts), max(ts), count(*) FROM ("
            + "SELECT p.code, r.status, r.ts, row_number() OVER (PARTITION BY p.code ORDER BY r.ts)"
            + " - row_number() OVER (PARTITION BY p.code, r.status ORDER BY r.ts) AS run"
            + " FROM readings r JOIN parameters p ON p.id = r.parameter_id WHERE r.station_id = "
            + STATION_ID
            + " AND r.ts >= ? AND r.ts < ?) x WHERE status <> 0"
            + " GROUP BY code, status, run ORDER BY 3, 1";
    try (var ps = c.prepareStatement(sql)) {
      bind(ps, station, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next())
          w.write(
              String.join(
                      ",",
                      Csv.field(rs.getString(1)),
                      status(rs.getShort(2)),
                      rs.getTimestamp(3).toInstant().toString(),
                      rs.getTimestamp(4).toInstant().toString(),
                      rs.getString(5))
                  + "\n");
      }
    }
  }

  /** The configuration Outfall had deployed to the station's gateway and it had applied by then. */
  private static JsonObject gateway(Connection c, String station, Instant at) throws SQLException {
    String gateway = null;
    String site = null;
    try (var ps =
        c.prepareStatement(
            "SELECT st.gateway, s.code FROM stations st JOIN sites s ON s.id = st.site_id"
                + " WHERE st.code = ?")) {
      ps.setString(1, station);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          gateway = rs.getString(1);
          site = rs.getString(2);
        }
      }
    }
    JsonObject out = new JsonObject().put("site", site).put("gateway", gateway).put("at", at);
    if (gateway == null) return out.put("config", null).put("why", "no gateway has reported");
    try (var ps =
        c.prepareStatement(
            "SELECT g.label, g.name, g.seq, g.hash, g.yaml, rg.updated_at, r.id"
                + " FROM rollout_gateways rg JOIN rollouts r ON r.id = rg.rollout_id"
                + " JOIN gateway_configs g ON g.id = r.config_id"
                + " WHERE rg.site = ? AND rg.gateway = ? AND rg.state = 'applied'"
                + " AND rg.updated_at <= ? ORDER BY rg.updated_at DESC LIMIT 1")) {
      ps.setString(1, site);
      ps.setString(2, gateway);
      ps.setTimestamp(3, Timestamp.from(at));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next())
          return out.put("config", null)
              .put(
                  "why",
                  "no configuration deployed through Outfall had been applied by then: the gateway"
                      + " ran the one written on it");
        return out.put(
            "config",
            new JsonObject()
                .put("version", rs.getString(1))
                .put("name", rs.getString(2))
                .put("seq", rs.getInt(3))
                .put("sha256", rs.getString(4))
                .put("applied_at", rs.getTimestamp(6).toInstant())
                .put("rollout", rs.getLong(7))
                .put("yaml", rs.getString(5)));
      }
    }
  }

  private static void bind(PreparedStatement ps, String station, Instant from, Instant to)
      throws SQLException {
    ps.setString(1, station);
    ps.setTimestamp(2, Timestamp.from(from));
    ps.setTimestamp(3, Timestamp.from(to));
  }

  private static String nullable(ResultSet rs, int i) throws SQLException {
    double v = rs.getDouble(i);
    return rs.wasNull() ? "" : Double.toString(v);
  }

  /** The device status as the regulator's files write it. */
  private static String status(short s) {
    return String.format("%02d", s);
  }

  private interface Content {
    void writeTo(Writer w) throws Exception;
  }

  private record Written(String name, long bytes, String sha256) {
    /** Its line in SHA256SUMS, as sha256sum writes and checks it. */
    String sumLine() {
      return sha256 + "  " + name + "\n";
    }
  }

  /** One file of the zip, hashed as it is written. */
  private static Written entry(ZipOutputStream z, String name, Content content) throws Exception {
    MessageDigest sha = sha256();
    ZipEntry e = new ZipEntry(name);
    z.putNextEntry(e);
    CountingStream counted = new CountingStream(z);
    Writer w = new OutputStreamWriter(new DigestOutputStream(counted, sha), StandardCharsets.UTF_8);
    content.writeTo(w);
    w.flush(); // not closed: that would close the zip
    z.closeEntry();
    return new Written(name, counted.count, HexFormat.of().formatHex(sha.digest()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Counts the bytes of an entry and leaves the zip open when closed. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() {
      // the zip stays open for the next entry
    }
  }
}

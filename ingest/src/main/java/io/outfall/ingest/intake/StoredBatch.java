package io.outfall.ingest.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.outfall.compliance.parameters.ParameterCatalog;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * The readings one writer transaction newly stored, summed up for what follows them, and the one
 * statement that records that summary in the same transaction: the batch's key ranges for the
 * {@link AggregateFollower} ({@code reading_batches}) and, with alerting on, for the compliance
 * engine ({@code evaluation_batches}); the station-hours of readings that came late, for the
 * regulator link ({@code late_readings}); and each station's newest readings for live pages and the
 * overview ({@code NOTIFY outfall_readings}).
 *
 * <p>Why in Java: the writer copies readings straight into the readings table, so there is no
 * {@code RETURNING} to summarise in SQL; the summary is a few hundred keys however many readings,
 * and sending it as arrays costs the statement nothing per reading. Only newly stored readings may
 * be added: a replay must not be folded, judged or announced again.
 */
final class StoredBatch {
  /** One station's parameter in this batch: its time range, count and newest reading. */
  private static final class Key {
    final String station;
    final int stationId;
    final short parameterId;
    long firstMs;
    long lastMs;
    int readings;
    double lastValue;
    short lastStatus;

    /** Its hours as readings_hourly counts them (usually one or two per batch). */
    final List<HourRows.Hour> hours = new ArrayList<>(2);

    Key(String station, int stationId, short parameterId, long ms) {
      this.station = station;
      this.stationId = stationId;
      this.parameterId = parameterId;
      this.firstMs = ms;
      this.lastMs = ms;
    }

    HourRows.Hour hour(long hourMs) {
      for (int i = hours.size() - 1; i >= 0; i--)
        if (hours.get(i).hourMs == hourMs) return hours.get(i);
      HourRows.Hour h = new HourRows.Hour(stationId, parameterId, hourMs);
      hours.add(h);
      return h;
    }
  }

  private static final long HOUR_MS = 3_600_000L;

  /**
   * Between two notices in the text {@link #notices} answers: JSON as the generator writes it holds
   * no raw newline (one in a string is escaped), so the statement splits the text there. One text
   * rather than a {@code text[]}: an array's literal escapes every quote of the JSON, on both
   * sides.
   */
  static final String NOTICE_SEPARATOR = "\n";

  /**
   * Writes the notices straight, not through a tree of {@code JsonObject}s: they are built in the
   * writer's transaction, one per station and batch, and the tree and the JDK's {@code
   * Double.toString} were about a seventh of the writer thread's time (JFR, docs/performance.md).
   */
  private static final JsonFactory NOTICE_JSON =
      new JsonFactoryBuilder()
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .rootValueSeparator(NOTICE_SEPARATOR)
          .build();

  private final Map<Long, Key> keys = new LinkedHashMap<>();

  private int readings;

  /** The readings themselves, kept when the compliance engine wants them handed (else null). */
  private int[] stationIds;

  private short[] parameterIds;
  private long[] timestamps;
  private double[] values;
  private short[] statuses;

  /**
   * @param keepRows whether to keep the readings for {@link #rows()}
   * @param expected about how many readings it will hold (it grows if more come)
   */
  StoredBatch(boolean keepRows, int expected) {
    if (keepRows) {
      int n = Math.max(expected, 16);
      stationIds = new int[n];
      parameterIds = new short[n];
      timestamps = new long[n];
      values = new double[n];
      statuses = new short[n];
    }
  }

  /** A newly stored reading of station {@code station} (code) whose id is {@code stationId}. */
  void add(
      String station,
      int stationId,
      short parameterId,
      long timestampMs,
      double value,
      short status) {
    Key k =
        keys.computeIfAbsent(
            ((long) stationId << 16) | (parameterId & 0xffff),
            x -> new Key(station, stationId, parameterId, timestampMs));
    k.readings++;
    k.firstMs = Math.min(k.firstMs, timestampMs);
    if (timestampMs >= k.lastMs) {
      k.lastMs = timestampMs;
      k.lastValue = value;
      k.lastStatus = status;
    }
    long hour = Math.floorDiv(timestampMs, HOUR_MS) * HOUR_MS;
    k.hour(hour).add(timestampMs - hour, value, status);
    if (stationIds != null) keep(stationId, parameterId, timestampMs, value, status);
    readings++;
  }

  private void keep(
      int stationId, short parameterId, long timestampMs, double value, short status) {
    if (readings == stationIds.length) {
      int n = readings * 2;
      stationIds = Arrays.copyOf(stationIds, n);
      parameterIds = Arrays.copyOf(parameterIds, n);
      timestamps = Arrays.copyOf(timestamps, n);
      values = Arrays.copyOf(values, n);
      statuses = Arrays.copyOf(statuses, n);
    }
    stationIds[readings] = stationId;
    parameterIds[readings] = parameterId;
    timestamps[readings] = timestampMs;
    values[readings] = value;
    statuses[readings] = status;
  }

  /**
   * The live notices (on every ingest, through {@code LISTEN outfall_readings}: live pages, the
   * overview): per station, the newest reading of each parameter in this batch and how many
   * readings of the station it held ({@code n}: more than the newest ones means a backlog).
   * Delivered at commit. One small message per station and batch keeps well under PostgreSQL's
   * 8000-byte payload limit. Answers them as one text, {@link #NOTICE_SEPARATOR} between two.
   */
  String notices(ParameterCatalog parameters) {
    Map<String, List<Key>> byStation = new LinkedHashMap<>();
    for (Key k : keys.values())
      byStation.computeIfAbsent(k.station, s -> new ArrayList<>(4)).add(k);
    StringWriter out = new StringWriter(64 * keys.size());
    try (JsonGenerator g = NOTICE_JSON.createGenerator(out)) {
      for (var e : byStation.entrySet()) {
        g.writeStartObject();
        g.writeStringField("station", e.getKey());
        g.writeNumberField("n", e.getValue().stream().mapToInt(k -> k.readings).sum());
        g.writeArrayFieldStart("readings");
        for (Key k : e.getValue()) {
          g.writeStartArray();
          g.writeString(parameters.byId(k.parameterId).code());
          g.writeNumber(k.lastMs);
          g.writeNumber(k.lastValue);
          g.writeNumber(k.lastStatus);
          g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
    } catch (IOException x) {
      throw new UncheckedIOException(x); // a StringWriter does not fail
    }
    return out.toString();
  }

  /** The readings added counted by station, parameter and hour, for readings_hourly. */
  HourRows hourRows() {
    List<HourRows.Hour> all = new ArrayList<>(keys.size());
    for (Key k : keys.values()) all.addAll(k.hours);
    return new HourRows(all);
  }

  /** The readings added, if kept. */
  NewReadings rows() {
    return new NewReadings(readings, stationIds, parameterIds, timestamps, values, statuses);
  }

  int readings() {
    return readings;
  }

  /** Whether the recording statement leaves the batch for the compliance engine. */
  enum Queue {
    /** Alerting off: no evaluation batch. */
    NONE,
    /** Always an evaluation batch: the engine judges it. */
    ALWAYS,
    /**
     * An evaluation batch only if batches already wait (in the statement's snapshot): the writer
     * judges its readings itself when none does, and a later transaction is never judged before the
     * batches that wait (another instance's, or this one's own that could not be judged here).
     */
    BEHIND_WAITING
  }

  /**
   * The recording statement, built once per writer and {@code queue}; {@code markLateAfter} (or
   * null) with the regulator link on. It answers the number of live notices sent and the ids of the
   * reading batch and of the evaluation batch (0 for none).
   *
   * <p>Why the key ranges go in as the arrays they are stored as, and not as rows (unnest, then
   * {@code array_agg} again): this statement sits in every writer transaction, before the commit
   * that the readings' acknowledgements and alerts wait for, and building the arrays row by row was
   * most of its cost (a tick of 2,000 station-parameters and 500 notices, with its commit: 5.8 ms
   * p50 against 3.9, docs/performance.md). Only the times are converted (epoch milliseconds to
   * timestamptz), once for both batches; the evaluation batch's insert is a one-time filter,
   * skipped altogether when no batch waits (as HAVING, it built its arrays first).
   */
  static Recording recording(Queue queue, Duration markLateAfter) {
    boolean forEvaluation = queue != Queue.NONE;
    return new Recording(sql(queue, markLateAfter), forEvaluation, markLateAfter != null);
  }

  /**
   * The recording statement and what it binds besides the key ranges and notices: the number of
   * readings (for the evaluation batch), the late readings' station-hours.
   */
  record Recording(String sql, boolean forEvaluation, boolean markLate) {}

  private static String sql(Queue queue, Duration markLateAfter) {
    boolean forEvaluation = queue != Queue.NONE;
    return "WITH k AS (SELECT ?::int4[] AS station_ids, ?::int2[] AS parameter_ids, "
        + timestamps("?::int8[]")
        + " AS first_ts, "
        + timestamps("?::int8[]")
        + " AS last_ts),"
        + " live AS (SELECT pg_notify('outfall_readings', notice)"
        + " FROM unnest(string_to_array(?, chr(10))) notice),"
        + " batch AS (INSERT INTO reading_batches (xid, station_ids, parameter_ids, first_ts,"
        + " last_ts) SELECT pg_current_xact_id(), station_ids, parameter_ids, first_ts, last_ts"
        + " FROM k RETURNING id)"
        + (forEvaluation
            ? ", judge AS (INSERT INTO evaluation_batches (xid, readings, station_ids,"
                + " parameter_ids, first_ts, last_ts) SELECT pg_current_xact_id(), ?::int4,"
                + " station_ids, parameter_ids, first_ts, last_ts FROM k"
                + (queue == Queue.BEHIND_WAITING
                    ? " WHERE EXISTS (SELECT FROM evaluation_batches)"
                    : "")
                + " RETURNING id)"
                // delivered at commit, to whichever ingest leads; only for a batch left
                + ", wake AS (SELECT pg_notify('outfall_evaluation', '') FROM judge)"
            : "")
        + (markLateAfter != null
            ? ", late AS (INSERT INTO late_readings (station_id, hour) SELECT DISTINCT station_id, "
                + ts("hour_ms")
                + " FROM unnest(?::int4[], ?::int8[], ?::int8[]) AS h(station_id, hour_ms,"
                + " first_ms) WHERE "
                + ts("first_ms")
                + " < now() - interval '"
                + markLateAfter.getSeconds()
                + " seconds' ON CONFLICT DO NOTHING)"
            : "")
        // a CTE that only selects runs only when referenced
        + " SELECT (SELECT count(*) FROM live), (SELECT id FROM batch), "
        + (forEvaluation ? "(SELECT id FROM judge), (SELECT count(*) FROM wake)" : "0");
  }

  /** An array of epoch milliseconds {@code ms} (an SQL expression) as a timestamptz[], in order. */
  private static String timestamps(String ms) {
    return "ARRAY(SELECT " + ts("ms") + " FROM unnest(" + ms + ") ms)";
  }

  private static String ts(String ms) {
    return "timestamptz 'epoch' + " + ms + " * interval '1 millisecond'";
  }

  /** The ids {@link #record} gave the batch: in reading_batches, in evaluation_batches (or 0). */
  record Ids(long readingBatch, long evaluationBatch) {}

  /**
   * Runs {@code recording} ({@link #recording}) for this batch; {@code parameters} names the
   * parameters in the live notices.
   */
  Ids record(Connection c, Recording recording, ParameterCatalog parameters) throws SQLException {
    int n = keys.size();
    int[] stationIds = new int[n];
    short[] parameterIds = new short[n];
    long[] first = new long[n];
    long[] last = new long[n];
    int i = 0;
    for (Key k : keys.values()) {
      stationIds[i] = k.stationId;
      parameterIds[i] = k.parameterId;
      first[i] = k.firstMs;
      last[i] = k.lastMs;
      i++;
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    try (var ps = c.prepareStatement(recording.sql())) {
      ps.setArray(1, pg.createArrayOf("int4", stationIds));
      ps.setArray(2, pg.createArrayOf("int2", parameterIds));
      ps.setArray(3, pg.createArrayOf("int8", first));
      ps.setArray(4, pg.createArrayOf("int8", last));
      ps.setString(5, notices(parameters));
      int next = 6;
      if (recording.forEvaluation()) ps.setInt(next++, readings);
      if (recording.markLate()) {
        // the hours of each station's parameters: a station-hour may repeat (DISTINCT in the SQL)
        List<HourRows.Hour> hours = hourRows().hours();
        int h = hours.size();
        int[] hourStations = new int[h];
        long[] hourStarts = new long[h];
        long[] hourFirst = new long[h];
        for (int j = 0; j < h; j++) {
          hourStations[j] = hours.get(j).stationId;
          hourStarts[j] = hours.get(j).hourMs;
          hourFirst[j] = hours.get(j).firstMs();
        }
        ps.setArray(next, pg.createArrayOf("int4", hourStations));
        ps.setArray(next + 1, pg.createArrayOf("int8", hourStarts));
        ps.setArray(next + 2, pg.createArrayOf("int8", hourFirst));
      }
      try (var rs = ps.executeQuery()) {
        rs.next();
        return new Ids(rs.getLong(2), rs.getLong(3));
      }
    }
  }
}

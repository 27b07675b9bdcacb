package io.outfall.ingest.intake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * A batch's readings counted by station, parameter and UTC hour exactly as {@code readings_hourly}
 * counts them ({@link HourlyAggregates#hoursOf}): what the writer hands the {@link
 * AggregateFollower} so that it folds a batch without reading its readings back.
 */
record HourRows(List<Hour> hours) {
  private static final long SLOT_MS = 5 * 60_000L;

  /** One station's parameter in one hour. */
  static final class Hour {
    final int stationId;
    final short parameterId;
    final long hourMs;
    int n;
    int valid;
    int calibrating;
    int fault;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int slots;

    /** The earliest reading's offset into the hour. */
    long firstInto = Long.MAX_VALUE;

    Hour(int stationId, short parameterId, long hourMs) {
      this.stationId = stationId;
      this.parameterId = parameterId;
      this.hourMs = hourMs;
    }

    /** The hour's earliest reading (epoch ms). */
    long firstMs() {
      return hourMs + firstInto;
    }

    /**
     * A reading {@code intoHourMs} after the hour's start; status 0 valid, 1 calibrating, 2 fault.
     */
    void add(long intoHourMs, double value, short status) {
      n++;
      firstInto = Math.min(firstInto, intoHourMs);
      switch (status) {
        case 0 -> {
          valid++;
          sum += value;
          min = Math.min(min, value);
          max = Math.max(max, value);
          slots |= 1 << (int) (intoHourMs / SLOT_MS);
        }
        case 1 -> calibrating++;
        case 2 -> fault++;
        default -> {
          // the readings' CHECK refuses any other status before this is used
        }
      }
    }
  }

  /** All of several batches' hours (the upsert sums hours that repeat). */
  static HourRows of(List<HourRows> batches) {
    List<Hour> all = new ArrayList<>();
    for (HourRows b : batches) all.addAll(b.hours());
    return new HourRows(all);
  }

  int size() {
    return hours.size();
  }

  /**
   * The columns of {@code source} in {@link HourlyAggregates#fromArrays}' order, as arrays bound
   * from parameter {@code first} on.
   */
  void bind(Connection c, PreparedStatement ps, int first) throws SQLException {
    int k = hours.size();
    int[] stations = new int[k];
    short[] parameters = new short[k];
    long[] starts = new long[k];
    int[] n = new int[k];
    int[] valid = new int[k];
    int[] calibrating = new int[k];
    int[] fault = new int[k];
    Double[] sum = new Double[k];
    Double[] min = new Double[k];
    Double[] max = new Double[k];
    int[] slots = new int[k];
    for (int i = 0; i < k; i++) {
      Hour h = hours.get(i);
      stations[i] = h.stationId;
      parameters[i] = h.parameterId;
      starts[i] = h.hourMs;
      n[i] = h.n;
      valid[i] = h.valid;
      calibrating[i] = h.calibrating;
      fault[i] = h.fault;
      if (h.valid > 0) { // as SQL's sum, min and max of no rows: null
        sum[i] = h.sum;
        min[i] = h.min;
        max[i] = h.max;
      }
      slots[i] = h.slots;
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    ps.setArray(first, pg.createArrayOf("int4", stations));
    ps.setArray(first + 1, pg.createArrayOf("int2", parameters));
    ps.setArray(first + 2, pg.createArrayOf("int8", starts));
    ps.setArray(first + 3, pg.createArrayOf("int4", n));
    ps.setArray(first + 4, pg.createArrayOf("int4", valid));
    ps.setArray(first + 5, pg.createArrayOf("int4", calibrating));
    ps.setArray(first + 6, pg.createArrayOf("int4", fault));
    ps.setArray(first + 7, pg.createArrayOf("float8", sum));
    ps.setArray(first + 8, pg.createArrayOf("float8", min));
    ps.setArray(first + 9, pg.createArrayOf("float8", max));
    ps.setArray(first + 10, pg.createArrayOf("int4", slots));
  }
}

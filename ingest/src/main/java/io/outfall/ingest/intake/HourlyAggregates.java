package io.outfall.ingest.intake;

/**
 * The SQL that keeps {@code readings_hourly}, {@code readings_daily} and {@code reading_spans}
 * (migrations V4, V6, V23) in step with {@code readings}. The {@link AggregateFollower} runs it
 * over exactly the rows each writer transaction newly stored (counted by hour in the writer, {@link
 * HourRows}, or read back), so the aggregates never count a replay; they trail the readings by one
 * fold.
 */
final class HourlyAggregates {
  private HourlyAggregates() {}

  /**
   * The readings of {@code source} (columns station_id, parameter_id, ts, value, status) counted by
   * station, parameter and UTC hour, in the columns {@link #upsertHours} adds.
   */
  static String hoursOf(String source) {
    return "SELECT station_id, parameter_id, date_trunc('hour', ts, 'UTC') AS hour, count(*) AS n,"
        + " count(*) FILTER (WHERE status = 0) AS n_valid,"
        + " count(*) FILTER (WHERE status = 1) AS n_calibrating,"
        + " count(*) FILTER (WHERE status = 2) AS n_fault,"
        + " sum(value) FILTER (WHERE status = 0) AS sum_valid,"
        + " min(value) FILTER (WHERE status = 0) AS min_valid,"
        + " max(value) FILTER (WHERE status = 0) AS max_valid,"
        + " coalesce(bit_or(1 << (extract(minute FROM ts AT TIME ZONE 'UTC')::int / 5))"
        + " FILTER (WHERE status = 0), 0) AS valid_slots"
        + " FROM "
        + source
        + " GROUP BY 1, 2, 3";
  }

  /** The same columns as {@link #hoursOf}, from the eleven arrays {@link HourRows} binds. */
  static String fromArrays() {
    return "SELECT station_id, parameter_id, timestamptz 'epoch' + hour_ms * interval '1"
        + " millisecond' AS hour, n, n_valid, n_calibrating, n_fault, sum_valid, min_valid,"
        + " max_valid, valid_slots FROM unnest(?::int4[], ?::int2[], ?::int8[], ?::int4[],"
        + " ?::int4[], ?::int4[], ?::int4[], ?::float8[], ?::float8[], ?::float8[], ?::int4[])"
        + " AS u(station_id, parameter_id, hour_ms, n, n_valid, n_calibrating, n_fault,"
        + " sum_valid, min_valid, max_valid, valid_slots)";
  }

  /**
   * Adds the hours of {@code hours} (columns of {@link #hoursOf}; an hour may repeat) to
   * readings_hourly. Rows go in key order so that two followers lock shared hours in the same
   * order.
   */
  static String upsertHours(String hours) {
    return "INSERT INTO readings_hourly AS h (station_id, parameter_id, hour, n, n_valid,"
        + " n_calibrating, n_fault, sum_valid, min_valid, max_valid, valid_slots)"
        + " SELECT station_id, parameter_id, hour, sum(n), sum(n_valid), sum(n_calibrating),"
        + " sum(n_fault), sum(sum_valid), min(min_valid), max(max_valid), bit_or(valid_slots)"
        + " FROM "
        + hours
        + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        + " ON CONFLICT (station_id, parameter_id, hour) DO UPDATE SET"
        + " n = h.n + excluded.n, n_valid = h.n_valid + excluded.n_valid,"
        + " n_calibrating = h.n_calibrating + excluded.n_calibrating,"
        + " n_fault = h.n_fault + excluded.n_fault,"
        // sum of nulls stays null; least/greatest skip nulls
        + " sum_valid = CASE WHEN h.sum_valid IS NULL THEN excluded.sum_valid"
        + "   WHEN excluded.sum_valid IS NULL THEN h.sum_valid"
        + "   ELSE h.sum_valid + excluded.sum_valid END,"
        + " min_valid = least(h.min_valid, excluded.min_valid),"
        + " max_valid = greatest(h.max_valid, excluded.max_valid),"
        + " valid_slots = h.valid_slots | excluded.valid_slots"
        + " RETURNING station_id, parameter_id, hour, valid_slots";
  }

  /**
   * Merges the hourly rows of {@code hourly} (as {@link #upsertHours} returns them: the whole mask
   * of each hour after the merge) into {@code readings_daily}: each hour's 12 slots at their place
   * in the day's 288, OR-ed in, so a mask seen twice changes nothing.
   */
  static String dailyFrom(String hourly) {
    return "INSERT INTO readings_daily AS d (station_id, parameter_id, day, valid_slots, first_hour)"
        + " SELECT station_id, parameter_id, (hour AT TIME ZONE 'UTC')::date,"
        + " bit_or(valid_slots::bit(288) << (12 * extract(hour FROM hour AT TIME ZONE 'UTC')::int)),"
        + " min(hour) FROM "
        + hourly
        + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        + " ON CONFLICT (station_id, parameter_id, day) DO UPDATE SET"
        + " valid_slots = d.valid_slots | excluded.valid_slots,"
        + " first_hour = least(d.first_hour, excluded.first_hour)";
  }

  /**
   * Widens {@code reading_spans} (migration V23) by the key ranges of {@code batches} (rows of
   * reading_batches: each station-parameter's first and last newly stored timestamp). Rows go in
   * key order, as the hours do; a span a batch does not widen is left alone (no dead row).
   */
  static String widenSpans(String batches) {
    return "INSERT INTO reading_spans AS s (station_id, parameter_id, first_ts, last_ts)"
        + " SELECT k.station_id, k.parameter_id, min(k.lo), max(k.hi) FROM "
        + batches
        + " b CROSS JOIN LATERAL unnest(b.station_ids, b.parameter_ids, b.first_ts, b.last_ts)"
        + " AS k(station_id, parameter_id, lo, hi) GROUP BY 1, 2 ORDER BY 1, 2"
        + " ON CONFLICT (station_id, parameter_id) DO UPDATE SET"
        + " first_ts = least(s.first_ts, excluded.first_ts),"
        + " last_ts = greatest(s.last_ts, excluded.last_ts)"
        + " WHERE excluded.first_ts < s.first_ts OR excluded.last_ts > s.last_ts";
  }
}

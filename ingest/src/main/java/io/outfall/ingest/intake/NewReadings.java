package io.outfall.ingest.intake;

import java.sql.Connection;

/**
 * The readings one writer transaction newly stored, in storage form (ids, epoch milliseconds), the
 * {@code i}-th reading at index {@code i} of every array.
 *
 * <p>They are handed in memory to the compliance engine when it leads in the same instance, so that
 * it need not read back what was just written: the alert latency's largest step after the two
 * commits. The database stays the record: the engine judges a batch only as it deletes the batch's
 * {@code evaluation_batches} row, and reads back from the readings table any batch it was not
 * handed (another instance's, or one handed to a leader that has since stopped).
 *
 * <p>Shorter still: while nothing waits in {@code evaluation_batches}, the writer judges a
 * transaction's readings itself, in that transaction, and leaves no batch row ({@link
 * Handoff#judgeHere}): the alerts commit with the readings that raise them.
 */
public record NewReadings(
    int size,
    int[] stationIds,
    short[] parameterIds,
    long[] timestampsMs,
    double[] values,
    short[] statuses) {

  /**
   * SQL for the rows {@code r} (station_id, parameter_id, ts, value, status) that the batches of
   * {@code batches} (a relation with xid, station_ids, parameter_ids, first_ts, last_ts: {@code
   * reading_batches} or {@code evaluation_batches}) stored: in each batch's key ranges, those whose
   * xmin is the batch's transaction (the writer uses no subtransactions, and readings are never
   * updated, so xmin stays the inserting transaction). One index probe per range whatever the
   * statistics say: OFFSET 0 keeps the planner from turning the lateral subquery into a join it
   * might hash over readings.
   */
  public static String readBack(String batches) {
    return batches
        + " CROSS JOIN LATERAL unnest("
        + batches
        + ".station_ids, "
        + batches
        + ".parameter_ids, "
        + batches
        + ".first_ts, "
        + batches
        + ".last_ts) AS k(station_id, parameter_id, lo, hi)"
        + " CROSS JOIN LATERAL (SELECT station_id, parameter_id, ts, value, status FROM readings"
        + " WHERE station_id = k.station_id AND parameter_id = k.parameter_id"
        + " AND ts BETWEEN k.lo AND k.hi AND xmin = "
        + batches
        + ".xid::xid OFFSET 0) r";
  }

  /** Takes the readings of batches about to commit; called on the writer's thread. */
  public interface Handoff {
    /** Whether to keep the next transaction's readings for {@link #offer} at all. */
    boolean wanted();

    /**
     * The readings of evaluation batch {@code batchId}, before the transaction that records it
     * commits: so they are there whenever the engine sees the batch.
     */
    void offer(long batchId, NewReadings readings);

    /** The transaction of batch {@code batchId} did not commit (or may not have). */
    void withdraw(long batchId);

    /**
     * Whether the writer may judge its transaction's {@code readings} new readings itself, in that
     * transaction ({@link #judge}); when true, the judging is the writer's until {@link #release},
     * which it must call however the transaction ends. Answers false (and holds nothing) when the
     * engine does not lead here, or is busy for longer than a transaction should wait.
     */
    boolean judgeHere(int readings);

    /**
     * Judges {@code readings} in {@code c}'s transaction and writes what they change in the alerts
     * there too: they become alerts exactly when they are committed. Only after {@link #judgeHere}
     * answered true and only if no evaluation batch waits (the transaction left none).
     *
     * @throws JudgingFailed when judging or writing the alerts failed: the transaction is lost, and
     *     is written again without judging
     */
    void judge(Connection c, NewReadings readings);

    /**
     * Ends what {@link #judgeHere} began; {@code committed} says whether the transaction committed
     * (if it may not have, false: the engine then starts again from storage).
     */
    void release(boolean committed);
  }

  /** Judging in the writer's transaction failed (not the storing): see {@link Handoff#judge}. */
  public static final class JudgingFailed extends RuntimeException {
    public JudgingFailed(Throwable cause) {
      super("judging in the writer's transaction failed: " + cause, cause);
    }
  }
}

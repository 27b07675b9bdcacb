package io.outfall.ingest.intake;

import io.outfall.protocol.RejectReason;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What the intake pipeline reports about itself. One implementation: {@link
 * MicrometerIntakeMetrics}.
 */
public interface IntakeMetrics {
  /** A message arrived from the broker. */
  void received(int payloadBytes);

  /** A transaction committed: new rows stored, rows that were already there. */
  void committed(int messages, int stored, int duplicates, long writeNanos);

  /** Readings refused, by reason (counted once their dead letter is committed). */
  void rejected(RejectReason reason, int readings);

  /** Time from a message's arrival to the commit of its readings. */
  void arrivalToCommit(long nanos);

  /** A write attempt failed; transient failures are retried, permanent ones split and park. */
  void writeFailed(boolean transientFailure);

  /**
   * Committed batches folded into the hourly and daily aggregates: how many readings, how many of
   * them were read back (not counted by this instance's writer), how long the fold took, and how
   * long its oldest batch had waited since the writer's transaction.
   */
  void folded(int batches, int readings, int readBack, long foldNanos, long lagNanos);

  /** A fold failed; its batches stay and are folded by the next. */
  void foldFailed();

  /** Live values the gauges read. */
  void bindQueue(IntSupplier messages, IntSupplier readings);

  void bindConnection(BooleanSupplier brokerConnected, BooleanSupplier databaseUp);
}

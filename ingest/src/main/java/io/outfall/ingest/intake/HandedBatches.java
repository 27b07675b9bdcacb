package io.outfall.ingest.intake;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the writer hands over in memory, by batch id, to whoever follows its batches in the same
 * instance (the {@link AggregateFollower}, the compliance engine), so that they need not read back
 * what was just written. Only ever a shortcut: the batch rows in the database stay the record, and
 * a batch not found here (handed to no one, dropped, another instance's) is read back.
 *
 * <p>Bounded by the readings it holds; the writer hands nothing over while it is full. Handed
 * before the commit, so a batch is here by the time a follower can see it; withdrawn when the
 * commit fails.
 *
 * @param <T> what is kept of a batch
 */
public final class HandedBatches<T> {
  private record Handed<T>(T value, int readings, long atNanos) {}

  private final Map<Long, Handed<T>> byId = new ConcurrentHashMap<>();
  private final AtomicInteger readings = new AtomicInteger();
  private final int maxReadings;

  /**
   * @param maxReadings beyond this many readings held, {@link #hasRoom} is false
   */
  public HandedBatches(int maxReadings) {
    this.maxReadings = maxReadings;
  }

  public boolean hasRoom() {
    return readings.get() < maxReadings;
  }

  public void put(long batchId, T value, int readingCount) {
    if (byId.putIfAbsent(batchId, new Handed<>(value, readingCount, System.nanoTime())) == null)
      readings.addAndGet(readingCount);
  }

  /** Removes and answers what was handed for {@code batchId}, or null. */
  public T take(long batchId) {
    Handed<T> h = byId.remove(batchId);
    if (h == null) return null;
    readings.addAndGet(-h.readings());
    return h.value();
  }

  /** Forgets everything held: its batches will be read back. */
  public void clear() {
    for (Long id : byId.keySet()) take(id);
  }

  /**
   * Forgets what was held longer than {@code seconds}: batches another instance's follower took,
   * whose entries would otherwise stay.
   */
  public void dropOlderThan(long seconds) {
    long cutoff = System.nanoTime() - TimeUnit.SECONDS.toNanos(seconds);
    for (var e : byId.entrySet()) if (e.getValue().atNanos() - cutoff < 0) take(e.getKey());
  }
}

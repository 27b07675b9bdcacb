package io.outfall.ingest.intake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outfall.protocol.RejectReason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * {@link IntakeMetrics} on Micrometer; names below appear in Prometheus with {@code _} for dots.
 */
public final class MicrometerIntakeMetrics implements IntakeMetrics {
  private final MeterRegistry registry;
  private final Counter messages;
  private final Counter bytes;
  private final Counter stored;
  private final Counter duplicates;
  private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
  private final DistributionSummary batchReadings;
  private final DistributionSummary batchMessages;
  private final Timer writeLatency;
  private final Timer arrivalToCommit;
  private final Counter transientFailures;
  private final Counter permanentFailures;
  private final Counter folded;
  private final Counter foldedReadBack;
  private final Timer foldLatency;
  private final Timer aggregatesLag;
  private final Counter foldFailures;

  public MicrometerIntakeMetrics(MeterRegistry registry) {
    this.registry = registry;
    messages =
        Counter.builder("outfall.messages.received")
            .description("Readings messages received from the broker")
            .register(registry);
    bytes =
        Counter.builder("outfall.messages.received.bytes")
            .baseUnit("bytes")
            .description("Payload bytes received")
            .register(registry);
    stored =
        Counter.builder("outfall.readings.stored")
            .description("Readings newly stored")
            .register(registry);
    duplicates =
        Counter.builder("outfall.readings.duplicate")
            .description("Readings received again and not stored twice")
            .register(registry);
    // Register every reason up front so each series exists (at 0) before the first refusal.
    for (RejectReason r : RejectReason.values()) {
      rejected.put(
          r,
          Counter.builder("outfall.readings.rejected")
              .tag("reason", r.label())
              .description(
                  "Readings refused and parked, by reason; an undecodable message counts as one")
              .register(registry));
    }
    batchReadings =
        DistributionSummary.builder("outfall.ingest.write.batch.readings")
            .description("Readings per write transaction")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(100_000.0)
            .register(registry);
    batchMessages =
        DistributionSummary.builder("outfall.ingest.write.batch.messages")
            .description("Messages per write transaction")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(10_000.0)
            .register(registry);
    writeLatency =
        Timer.builder("outfall.ingest.write.latency")
            .description(
                "Duration of a write transaction, from its first message to its commit (it takes"
                    + " more messages as they come meanwhile, by ingest.linger-ms)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    arrivalToCommit =
        Timer.builder("outfall.ingest.arrival.to.commit")
            .description("From a message's arrival to the commit of its readings")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry);
    transientFailures =
        Counter.builder("outfall.ingest.write.failures")
            .tag("kind", "transient")
            .description("Failed write attempts")
            .register(registry);
    permanentFailures =
        Counter.builder("outfall.ingest.write.failures")
            .tag("kind", "permanent")
            .description("Failed write attempts")
            .register(registry);
    folded =
        Counter.builder("outfall.ingest.aggregates.folded")
            .description("Readings folded into the hourly and daily aggregates")
            .register(registry);
    foldedReadBack =
        Counter.builder("outfall.ingest.aggregates.read.back")
            .description(
                "Readings folded that were read back from storage rather than counted by the writer")
            .register(registry);
    foldLatency =
        Timer.builder("outfall.ingest.aggregates.fold")
            .description("Duration of a fold of committed batches into the aggregates")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    aggregatesLag =
        Timer.builder("outfall.ingest.aggregates.lag")
            .description("From a write transaction to the fold of its readings into the aggregates")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry);
    foldFailures =
        Counter.builder("outfall.ingest.aggregates.failures")
            .description("Failed folds (their batches are folded by the next)")
            .register(registry);
  }

  @Override
  public void received(int payloadBytes) {
    messages.increment();
    bytes.increment(payloadBytes);
  }

  @Override
  public void committed(int messageCount, int storedCount, int duplicateCount, long writeNanos) {
    stored.increment(storedCount);
    duplicates.increment(duplicateCount);
    batchReadings.record(storedCount + duplicateCount);
    batchMessages.record(messageCount);
    writeLatency.record(writeNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void rejected(RejectReason reason, int readings) {
    rejected.get(reason).increment(readings);
  }

  @Override
  public void arrivalToCommit(long nanos) {
    arrivalToCommit.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void writeFailed(boolean transientFailure) {
    (transientFailure ? transientFailures : permanentFailures).increment();
  }

  @Override
  public void folded(int batches, int readings, int readBack, long foldNanos, long lagNanos) {
    folded.increment(readings);
    foldedReadBack.increment(readBack);
    foldLatency.record(foldNanos, TimeUnit.NANOSECONDS);
    aggregatesLag.record(lagNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void foldFailed() {
    foldFailures.increment();
  }

  @Override
  public void bindQueue(IntSupplier queuedMessages, IntSupplier queuedReadings) {
    Gauge.builder("outfall.ingest.queue.messages", queuedMessages::getAsInt)
        .description("Messages waiting for the writer (bounded by the MQTT receive maximum)")
        .register(registry);
    Gauge.builder("outfall.ingest.queue.readings", queuedReadings::getAsInt)
        .description("Readings waiting for the writer")
        .register(registry);
  }

  @Override
  public void bindConnection(BooleanSupplier brokerConnected, BooleanSupplier databaseUp) {
    Gauge.builder("outfall.broker.connected", () -> brokerConnected.getAsBoolean() ? 1 : 0)
        .description("1 while connected to the MQTT broker")
        .register(registry);
    Gauge.builder("outfall.database.up", () -> databaseUp.getAsBoolean() ? 1 : 0)
        .description("1 while the last database write or check succeeded")
        .register(registry);
  }
}

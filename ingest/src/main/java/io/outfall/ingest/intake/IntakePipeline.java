package io.outfall.ingest.intake;

import java.util.function.Consumer;

/**
 * What happens to each delivery between the broker and the database: counted, validated, queued for
 * the writer, which acknowledges it once its readings (or its dead letter) are committed. Runs on
 * the MQTT client's thread; queuing never blocks, because the writer's queue holds every message
 * the broker may have outstanding (the receive maximum).
 */
public final class IntakePipeline implements Consumer<Delivery> {
  private final IntakeMetrics metrics;
  private final BatchValidator validator;
  private final ReadingWriter writer;

  public IntakePipeline(IntakeMetrics metrics, BatchValidator validator, ReadingWriter writer) {
    this.metrics = metrics;
    this.validator = validator;
    this.writer = writer;
  }

  @Override
  public void accept(Delivery delivery) {
    metrics.received(delivery.payload().length);
    try {
      writer.submit(validator.validate(delivery));
    } catch (InterruptedException e) {
      // stopping: not acknowledged, so the broker redelivers it to us or another ingest
      Thread.currentThread().interrupt();
    }
  }
}

package io.outfall.ingest.alerts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link ComplianceMetrics} as Micrometer meters, exposed in Prometheus format. */
public final class MicrometerComplianceMetrics implements ComplianceMetrics {
  private final Timer drain;
  private final DistributionSummary drainReadings;
  private final Counter readBack;
  private final Timer judgedInWrite;
  private final Counter judgedInWriteReadings;
  private final Counter rebuilds;
  private final AtomicInteger late = new AtomicInteger();
  private final Timer rejudge;
  private final DistributionSummary rejudgeReadings;
  private final Timer rejudgeSlice;

  public MicrometerComplianceMetrics(MeterRegistry registry) {
    drain =
        Timer.builder("outfall.compliance.drain")
            .description("Taking batches of stored readings, judging their readings, committing")
            .publishPercentileHistogram()
            .register(registry);
    drainReadings =
        DistributionSummary.builder("outfall.compliance.drain.readings")
            .description("Readings judged per batch")
            .register(registry);
    readBack =
        Counter.builder("outfall.compliance.read.back")
            .description(
                "Readings judged that were read back from storage rather than handed over by the"
                    + " writer")
            .register(registry);
    judgedInWrite =
        Timer.builder("outfall.compliance.judged.in.write")
            .description(
                "A writer transaction judging its own new readings: from taking the judging to its"
                    + " commit")
            .publishPercentileHistogram()
            .register(registry);
    judgedInWriteReadings =
        Counter.builder("outfall.compliance.judged.in.write.readings")
            .description("Readings judged in the writer's transaction that stored them")
            .register(registry);
    rebuilds =
        Counter.builder("outfall.compliance.rebuilds")
            .description(
                "Evaluators built again from storage: on leading, a registry change, or a failed"
                    + " transaction that had judged readings")
            .register(registry);
    Gauge.builder("outfall.compliance.late.stations", late, AtomicInteger::get)
        .description("Stations whose late readings wait to be judged again")
        .register(registry);
    rejudge =
        Timer.builder("outfall.compliance.rejudge")
            .description("Judging a station again from storage for its late readings")
            .register(registry);
    rejudgeReadings =
        DistributionSummary.builder("outfall.compliance.rejudge.readings")
            .description("Readings replayed per re-judgement")
            .register(registry);
    rejudgeSlice =
        Timer.builder("outfall.compliance.rejudge.transaction")
            .description("One transaction of a re-judgement: a slice of its replay (see its max)")
            .register(registry);
  }

  @Override
  public void drained(int readings, int readBackReadings, long nanos) {
    drain.record(nanos, TimeUnit.NANOSECONDS);
    readBack.increment(readBackReadings);
    drainReadings.record(readings);
  }

  @Override
  public void judgedInWrite(int readings, long nanos) {
    judgedInWrite.record(nanos, TimeUnit.NANOSECONDS);
    judgedInWriteReadings.increment(readings);
  }

  @Override
  public void rebuilt() {
    rebuilds.increment();
  }

  @Override
  public void lateStations(int stations) {
    late.set(stations);
  }

  @Override
  public void rejudged(long readings, long nanos) {
    rejudge.record(nanos, TimeUnit.NANOSECONDS);
    rejudgeReadings.record(readings);
  }

  @Override
  public void rejudgeSlice(long readings, long nanos) {
    rejudgeSlice.record(nanos, TimeUnit.NANOSECONDS);
  }
}

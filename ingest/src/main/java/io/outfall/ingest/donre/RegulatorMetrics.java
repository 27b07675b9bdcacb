package io.outfall.ingest.donre;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the regulator link reports about itself, in {@code /metrics}: files sent (regular and
 * corrections), failed uploads, the backlog, how long an upload takes, and files received from
 * loggers, stored or quarantined by reason.
 */
public final class RegulatorMetrics {
  private final MeterRegistry registry;
  private final Counter failures;
  private final Timer upload;
  private final AtomicInteger backlog = new AtomicInteger();

  public RegulatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.failures =
        Counter.builder("outfall.donre.upload.failures")
            .description("Uploads to the environment department's FTP server that failed")
            .register(registry);
    this.upload =
        Timer.builder("outfall.donre.upload")
            .description("Time to upload one file to the environment department's FTP server")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    Gauge.builder("outfall.donre.backlog.files", backlog, AtomicInteger::get)
        .description("Files made for the environment department and not sent yet")
        .register(registry);
    // Every series exists from the start, at zero, so that rates and alerts see it before the
    // first event (a counter that appears later loses its first increase to rate()).
    for (String kind : List.of("regular", "correction")) sentCounter(kind);
    for (String outcome : List.of("stored", "quarantined")) receivedCounter(outcome);
    for (String reason : FILE_REASONS) quarantinedCounter(reason);
  }

  /** The reasons a whole file is quarantined for; a refused line adds the validator's reason. */
  static final List<String> FILE_REASONS =
      List.of("bad_name", "encoding", "malformed", "station_site_mismatch", "unknown_parameter");

  void sent(boolean correction, Duration took) {
    sentCounter(correction ? "correction" : "regular").increment();
    upload.record(took);
  }

  void failed() {
    failures.increment();
  }

  void backlog(int files) {
    backlog.set(files);
  }

  void received(String outcome) {
    receivedCounter(outcome).increment();
  }

  void quarantined(String reason) {
    quarantinedCounter(reason).increment();
  }

  private Counter sentCounter(String kind) {
    return Counter.builder("outfall.donre.files.sent")
        .description("Files the environment department's FTP server took")
        .tag("kind", kind)
        .register(registry);
  }

  private Counter receivedCounter(String outcome) {
    return Counter.builder("outfall.donre.files.received")
        .description("Files legacy loggers uploaded to the intake, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  private Counter quarantinedCounter(String reason) {
    return Counter.builder("outfall.donre.files.quarantined")
        .description("Files from loggers kept aside unstored or partly stored, by reason")
        .tag("reason", reason)
        .register(registry);
  }
}

package io.outfall.app.bench;

import io.outfall.app.embedded.EmbeddedBroker;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The broker a benchmark runs against: {@code --mqtt-url} when given (e.g. a local Mosquitto), else
 * an embedded HiveMQ started for the run. A picocli mixin shared by the benchmarks.
 */
final class BenchBroker {
  @Option(
      names = "--mqtt-url",
      description = "use this broker instead of the embedded HiveMQ (e.g. a local Mosquitto)")
  String mqttUrl;

  /** The broker for one run; closing it stops the embedded one, if started. */
  record Running(String url, String label, EmbeddedBroker embedded) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      if (embedded != null) embedded.close();
    }
  }

  Running start(Path dir) throws Exception {
    if (mqttUrl != null) return new Running(mqttUrl, mqttUrl, null);
    EmbeddedBroker b =
        EmbeddedBroker.start(dir.resolve("broker"), EmbeddedBroker.freePort(), false);
    return new Running(b.url(), "embedded HiveMQ CE", b);
  }
}

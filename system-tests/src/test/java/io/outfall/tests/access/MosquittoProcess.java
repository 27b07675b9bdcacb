package io.outfall.tests.access;

import io.outfall.ingest.access.MosquittoFiles;
import io.outfall.tests.testing.TestServices;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Mosquitto as a child process, configured with nothing but the files {@code outfall
 * gateways export-mosquitto} writes (their listeners included, on free ports the test chose).
 * Without a {@code mosquitto} binary the test is skipped, unless {@code
 * OUTFALL_TEST_REQUIRE_MOSQUITTO=true} (CI) makes that a failure.
 */
final class MosquittoProcess implements AutoCloseable {
  private final Process process;
  private final int gatewayPort;
  private final int servicePort;
  private final Path log;

  private MosquittoProcess(Process process, int gatewayPort, int servicePort, Path log) {
    this.process = process;
    this.gatewayPort = gatewayPort;
    this.servicePort = servicePort;
    this.log = log;
  }

  /** Listeners on 127.0.0.1 at free ports, as the export takes them. */
  static MosquittoFiles.Listeners freeListeners() throws IOException {
    return new MosquittoFiles.Listeners(
        TestServices.freePort() + " 127.0.0.1", TestServices.freePort() + " 127.0.0.1", null);
  }

  /**
   * @param conf the exported {@link MosquittoFiles#CONF}
   * @param at the listeners it was exported with
   */
  static MosquittoProcess start(Path dir, Path conf, MosquittoFiles.Listeners at) throws Exception {
    Path binary =
        Stream.of("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (binary == null && Boolean.parseBoolean(System.getenv("OUTFALL_TEST_REQUIRE_MOSQUITTO")))
      throw new AssertionError("mosquitto is required here (apt install mosquitto)");
    Assumptions.assumeTrue(binary != null, "no mosquitto binary installed");
    Files.createDirectories(dir);
    int gatewayPort = port(at.gateways());
    int servicePort = port(at.services());
    Path main = dir.resolve("mosquitto.conf");
    // the test reads Mosquitto's log from its output; the export adds log_dest topic
    Files.writeString(
        main, "persistence false\nuser root\nlog_dest stderr\n" + Files.readString(conf));
    Path log = dir.resolve("mosquitto.log");
    Process p =
        new ProcessBuilder(binary.toString(), "-c", main.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Instant until = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(until)) {
      if (!p.isAlive()) throw new AssertionError("mosquitto exited: " + Files.readString(log));
      try (Socket a = new Socket("127.0.0.1", gatewayPort);
          Socket b = new Socket("127.0.0.1", servicePort)) {
        return new MosquittoProcess(p, gatewayPort, servicePort, log);
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("mosquitto did not listen: " + Files.readString(log));
  }

  private static int port(String listener) {
    return Integer.parseInt(listener.split(" ")[0]);
  }

  /** The gateways' listener. */
  String url() {
    return "tcp://127.0.0.1:" + gatewayPort;
  }

  /** The services' listener. */
  String serviceUrl() {
    return "tcp://127.0.0.1:" + servicePort;
  }

  String logText() throws IOException {
    return Files.readString(log);
  }

  String version() throws IOException {
    String text = Files.readString(log);
    var m = Pattern.compile("mosquitto version (\\S+)").matcher(text);
    return m.find() ? m.group(1) : "(version not logged)";
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
  }
}

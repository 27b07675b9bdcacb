package io.outfall.tests.access;

import io.outfall.tests.testing.TestServices;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Mosquitto as a child process on a free port, configured with the files {@code outfall
 * gateways export-mosquitto} writes. Without a {@code mosquitto} binary the test is skipped, unless
 * {@code OUTFALL_TEST_REQUIRE_MOSQUITTO=true} (CI) makes that a failure.
 */
final class MosquittoProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private MosquittoProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static MosquittoProcess start(Path dir, List<Path> exported) throws Exception {
    return start(dir, exported, "");
  }

  /**
   * @param more further configuration, e.g. a TLS listener: {@code listener 8883 127.0.0.1\n...}
   */
  static MosquittoProcess start(Path dir, List<Path> exported, String more) throws Exception {
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
    int port = TestServices.freePort();
    Path conf = dir.resolve("mosquitto.conf");
    // The exported outfall.conf is what an operator includes; it comes after the listener.
    Files.writeString(
        conf,
        "listener "
            + port
            + " 127.0.0.1\n"
            + "persistence false\n"
            + "user root\n"
            + Files.readString(exported.get(2)).replaceAll("(?m)^#.*\\n", "")
            + more);
    Path log = dir.resolve("mosquitto.log");
    Process p =
        new ProcessBuilder(binary.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Instant until = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(until)) {
      if (!p.isAlive()) throw new AssertionError("mosquitto exited: " + Files.readString(log));
      try (Socket s = new Socket("127.0.0.1", port)) {
        return new MosquittoProcess(p, port, log);
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("mosquitto did not listen on " + port + ": " + Files.readString(log));
  }

  String url() {
    return "tcp://127.0.0.1:" + port;
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

package io.outfall.tests.resilience;

import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The packaged server ({@code outfall.jar serve}) as a child process that a test can SIGKILL. */
final class IngestProcess implements AutoCloseable {
  private final Map<String, String> env;
  private final int httpPort;
  private final Path log;
  private Process process;

  IngestProcess(Map<String, String> env, int httpPort, Path log) {
    this.env = env;
    this.httpPort = httpPort;
    this.log = log;
  }

  void start() throws Exception {
    String jar = System.getProperty("outfall.jar");
    if (jar == null || !new File(jar).isFile()) {
      throw new IllegalStateException(
          "outfall.jar not built: run through 'mvn verify' (got " + jar + ")");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", jar, "serve");
    pb.environment().putAll(env);
    pb.environment().put("OUTFALL_HTTP_PORT", Integer.toString(httpPort));
    pb.environment()
        .put(
            "OUTFALL_HTTP_ADMIN_TOKEN_FILE",
            TestServices.ADMIN_TOKEN_FILE.toAbsolutePath().toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (Probe.get(httpPort, "/api/health").status() != 200) {
      if (!process.isAlive())
        throw new IllegalStateException(
            "ingest exited with " + process.exitValue() + ", see " + log);
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("ingest not healthy after 90 s, see " + log);
      Thread.sleep(200);
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or acknowledged. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  int httpPort() {
    return httpPort;
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor();
    }
  }
}

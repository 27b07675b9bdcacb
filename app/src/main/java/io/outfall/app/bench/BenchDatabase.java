package io.outfall.app.bench;

import io.outfall.app.embedded.EmbeddedDatabase;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The PostgreSQL a benchmark runs on: {@code --db-url} (an installed server, e.g. the CI's
 * PostgreSQL with TimescaleDB; each run gets fresh databases, dropped afterwards) or an embedded
 * PostgreSQL started for the run. A picocli mixin shared by the benchmarks, like {@link
 * BenchBroker}.
 */
final class BenchDatabase {
  @Option(
      names = "--db-url",
      paramLabel = "JDBC",
      description = {
        "run on this server instead of an embedded PostgreSQL (its maintenance database, e.g.",
        "jdbc:postgresql://127.0.0.1:5432/postgres); fresh databases are made and dropped"
      })
  String url;

  @Option(names = "--db-user", defaultValue = "postgres", description = "(default: postgres)")
  String user;

  @Option(names = "--db-password", defaultValue = "", description = "(default: none)")
  String password;

  /**
   * Waits until none of {@code tables} (the writer's batch records: {@code reading_batches} for the
   * aggregates, {@code evaluation_batches} for the compliance engine) holds a row, that is until
   * those who follow the writer have caught up; the seconds it took.
   */
  static double awaitFollowed(Connection c, long pauseMs, Duration atMost, String... tables)
      throws SQLException, InterruptedException {
    String sql =
        "SELECT "
            + String.join(
                " OR ",
                Arrays.stream(tables).map(t -> "EXISTS (SELECT 1 FROM " + t + ")").toList());
    long start = System.nanoTime();
    try (Statement st = c.createStatement()) {
      while (System.nanoTime() - start < atMost.toNanos()) {
        try (ResultSet rs = st.executeQuery(sql)) {
          rs.next();
          if (!rs.getBoolean(1)) return (System.nanoTime() - start) / 1e9;
        }
        Thread.sleep(pauseMs);
      }
    }
    throw new IllegalStateException(
        "the followers of " + String.join(", ", tables) + " did not catch up in " + atMost);
  }

  /** The server for one run; closing it drops what it made, or stops the embedded one. */
  final class Running implements AutoCloseable {
    private final EmbeddedDatabase embedded;
    private final List<String> made = new ArrayList<>();

    private Running(EmbeddedDatabase embedded) {
      this.embedded = embedded;
    }

    /** A fresh, empty database; its JDBC URL. */
    String newDatabase(String name) throws SQLException {
      String db = (name + "_" + ProcessHandle.current().pid()).toLowerCase();
      if (embedded != null) return embedded.jdbcUrl(db);
      try (Connection c = DriverManager.getConnection(url, user, password);
          var st = c.createStatement()) {
        st.execute("DROP DATABASE IF EXISTS " + db);
        st.execute("CREATE DATABASE " + db);
      }
      made.add(db);
      URI u = URI.create(url.substring("jdbc:".length()));
      return "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + "/" + db;
    }

    String user() {
      return embedded != null ? "postgres" : user;
    }

    String password() {
      return embedded != null ? "" : password;
    }

    /**
     * What it is: "PostgreSQL 17.7, TimescaleDB 2.x, max_wal_size 4GB" or "embedded PostgreSQL 17.7
     * (plain tables), max_wal_size 4GB": the WAL size decides how often checkpoints write through a
     * run.
     */
    String label(String jdbcUrl) throws SQLException {
      try (Connection c = DriverManager.getConnection(jdbcUrl, user(), password());
          var st = c.createStatement()) {
        String version;
        try (var rs = st.executeQuery("SHOW server_version")) {
          rs.next();
          version = rs.getString(1).split(" ")[0];
        }
        String walSize;
        try (var rs = st.executeQuery("SHOW max_wal_size")) {
          rs.next();
          walSize = rs.getString(1);
        }
        String timescale = null;
        try (var rs =
            st.executeQuery("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")) {
          if (rs.next()) timescale = rs.getString(1);
        }
        return (embedded != null ? "embedded " : "")
            + "PostgreSQL "
            + version
            + (timescale != null ? ", TimescaleDB " + timescale : " (no TimescaleDB: plain tables)")
            + ", max_wal_size "
            + walSize;
      }
    }

    @Override
    public void close() throws Exception {
      if (embedded != null) {
        embedded.close();
        return;
      }
      try (Connection c = DriverManager.getConnection(url, user, password);
          var st = c.createStatement()) {
        for (String db : made) st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      }
    }
  }

  Running start(Path dir) throws Exception {
    return new Running(url == null ? EmbeddedDatabase.start(dir.resolve("pg"), 0) : null);
  }
}

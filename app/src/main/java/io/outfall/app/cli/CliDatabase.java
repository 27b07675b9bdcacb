package io.outfall.app.cli;

import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.storage.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import picocli.CommandLine.Option;

/**
 * The database a management command ({@code outfall users}, {@code outfall gateways}) works on: the
 * servers' one from the settings file, or the demo's, in its data directory. While the demo runs
 * its database is reached at the address it noted there ({@link #DEMO_URL_FILE}); while it does
 * not, the command starts the embedded database on the same files for as long as it takes.
 */
final class CliDatabase implements AutoCloseable {
  /** Where a running demo notes its database's JDBC URL (deleted when it stops). */
  static final String DEMO_URL_FILE = "postgres.url";

  /** The options that choose it; a command mixes these in. */
  static final class Options {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file")
    Path config;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "the demo's data directory instead (e.g. .outfall/demo)")
    Path demoDir;
  }

  final Database database;
  private final EmbeddedDatabase started;

  private CliDatabase(Database database, EmbeddedDatabase started) {
    this.database = database;
    this.started = started;
  }

  /** What a command does with the database; answers its exit status. */
  interface Work {
    int run(DataSource ds) throws Exception;
  }

  /**
   * Opens the database, does the work, closes it. A name or value the rules refuse (an {@link
   * IllegalArgumentException}), or a demo database another process holds, is said on stderr without
   * a stack trace: exit status 2.
   */
  static int run(Options where, Work work) throws Exception {
    try (CliDatabase db = open(where)) {
      return work.run(db.database.dataSource());
    } catch (IllegalArgumentException | EmbeddedDatabase.InUse e) {
      System.err.println(e.getMessage());
      return 2;
    }
  }

  static CliDatabase open(Options o) throws Exception {
    if (o.demoDir == null) {
      Settings s = Settings.resolve(o.config, System.getenv(), Map.of());
      return new CliDatabase(
          Database.open(
              s.get(Setting.DB_URL),
              s.get(Setting.DB_USER),
              s.get(Setting.DB_PASSWORD),
              2,
              Duration.ofSeconds(10)),
          null);
    }
    Path dir = o.demoDir.toAbsolutePath();
    if (!Files.isDirectory(dir.resolve("postgres")))
      throw new IllegalArgumentException("no demo data in " + dir + " (run ./outfall demo first)");
    Path url = dir.resolve(DEMO_URL_FILE);
    if (Files.exists(url)) {
      try {
        return new CliDatabase(
            Database.open(Files.readString(url).trim(), "postgres", "", 2, Duration.ofSeconds(5)),
            null);
      } catch (RuntimeException stale) {
        // the demo was killed and left its note behind: start the database ourselves
      }
    }
    EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("postgres"), 0);
    try {
      return new CliDatabase(
          Database.open(pg.jdbcUrl("outfall"), "postgres", "", 2, Duration.ofSeconds(30)), pg);
    } catch (Exception e) {
      pg.close();
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    database.close();
    if (started != null) started.close();
  }
}

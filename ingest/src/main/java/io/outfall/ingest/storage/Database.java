package io.outfall.ingest.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.background.Daemons;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool, the schema migrations and what the server found at start: whether readings
 * live in a TimescaleDB hypertable or a plain PostgreSQL table.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** What the server runs on, detected at start after migrating. */
  public record Engine(String postgresVersion, String timescaleVersion) {
    public boolean timescale() {
      return timescaleVersion != null;
    }

    public String describe() {
      return timescale()
          ? "PostgreSQL " + postgresVersion + " + TimescaleDB " + timescaleVersion
          : "PostgreSQL " + postgresVersion + " (no TimescaleDB: plain tables)";
    }
  }

  private final HikariDataSource pool;
  private final Engine engine;
  private final ScheduledExecutorService checker;
  private volatile boolean reachable = true;

  private final ParameterCatalog parameters;

  private Database(HikariDataSource pool, Engine engine, ParameterCatalog parameters) {
    this.pool = pool;
    this.engine = engine;
    this.parameters = parameters;
    // Health is checked in the background and read from memory: a health request or a metrics
    // scrape must answer at once, above all while the database is down and a check takes seconds.
    this.checker = Daemons.scheduler("outfall-db-check");
    checker.scheduleWithFixedDelay(() -> reachable = check(), 2, 2, TimeUnit.SECONDS);
  }

  /**
   * Opens the pool, migrates the schema, brings the parameter table up to the shipped catalog
   * ({@link ParameterTable}) and detects the engine. Blocks: call it from a worker thread or before
   * starting Vert.x. Waits up to {@code startupWait} for the database to accept connections, so
   * that a server and its database can start together.
   */
  public static Database open(
      String url, String user, String password, int poolSize, Duration startupWait) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("outfall-db");
    // Fail fast per attempt so the writer notices an outage quickly and health reports it.
    config.setConnectionTimeout(5_000);
    config.setValidationTimeout(2_000);
    config.setInitializationFailTimeout(startupWait.toMillis());
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("socketTimeout", "120");
    config.addDataSourceProperty("ApplicationName", "outfall-ingest");
    HikariDataSource pool = new HikariDataSource(config);
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
      ParameterCatalog parameters = ParameterTable.sync(pool, ParameterCatalog.shipped());
      Engine engine = detect(pool);
      log.info("storage: {}", engine.describe());
      return new Database(pool, engine, parameters);
    } catch (RuntimeException | SQLException e) {
      pool.close();
      throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
    }
  }

  private static Engine detect(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT current_setting('server_version'),"
                    + " (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),"
                    + " EXISTS (SELECT 1 FROM pg_class WHERE relname = 'readings')")) {
      rs.next();
      String ts = rs.getString(2);
      if (ts != null && !isHypertable(c)) {
        ts = null; // extension present but readings not converted (e.g. no privilege)
      }
      return new Engine(rs.getString(1), ts);
    }
  }

  private static boolean isHypertable(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT count(*) FROM timescaledb_information.hypertables"
                    + " WHERE hypertable_name = 'readings'")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  public DataSource dataSource() {
    return pool;
  }

  public Engine engine() {
    return engine;
  }

  /** The parameters readings may have, as stored (the shipped catalog and any added rows). */
  public ParameterCatalog parameters() {
    return parameters;
  }

  /** Whether the last background check (every 2 s) got a working connection. Never blocks. */
  public boolean reachable() {
    return reachable;
  }

  private boolean check() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    checker.shutdownNow();
    pool.close();
  }
}

package io.outfall.tests.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The databases integration tests make on a shared server, and their end.
 *
 * <p>Each test class gets a database of its own so that counts are exact. On an installed server
 * (CI, a developer's) they used to stay for ever: a few thousand after some weeks, 25 GB, one
 * TimescaleDB scheduler wanted per database (far past its 16 workers), and a crash recovery that
 * synced them all for longer than the server's start was awaited. So:
 *
 * <ul>
 *   <li>a database is marked as a test's when made (a comment), and dropped when its JVM ends,
 *       unless {@code OUTFALL_TEST_KEEP_DATABASES=true} (to look into a failure);
 *   <li>the first JVM to make one drops those a killed JVM left, once they are older than any run
 *       can be ({@link #LEFT_BEHIND}); younger ones may belong to a JVM running beside it.
 * </ul>
 */
final class TestDatabases {
  private static final String MARK = "outfall integration test";

  /** Older than the longest CI run by far; a database this old belongs to no running test. */
  static final Duration LEFT_BEHIND = Duration.ofHours(6);

  private final String adminUrl;
  private final String user;
  private final String password;
  private final List<String> made = new ArrayList<>();
  private boolean swept;

  /**
   * @param shared an installed server that outlives the test JVM; an embedded one goes away with
   *     its temporary directory, and nothing needs dropping
   */
  TestDatabases(String adminUrl, String user, String password, boolean shared) {
    this.adminUrl = adminUrl;
    this.user = user;
    this.password = password;
    this.swept = !shared;
    if (shared && !"true".equals(System.getenv("OUTFALL_TEST_KEEP_DATABASES"))) {
      Runtime.getRuntime().addShutdownHook(new Thread(this::dropMade, "test-databases-drop"));
    }
  }

  /** A new, empty database named after {@code prefix}; returns its name. */
  synchronized String create(String prefix) throws SQLException {
    String name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase();
    try (Connection c = admin();
        var st = c.createStatement()) {
      if (!swept) {
        swept = true;
        dropLeftBehind(c);
      }
      st.execute("CREATE DATABASE " + name);
      st.execute("COMMENT ON DATABASE " + name + " IS '" + MARK + "'");
    }
    made.add(name);
    return name;
  }

  private Connection admin() throws SQLException {
    return DriverManager.getConnection(adminUrl, user, password);
  }

  /**
   * Drops test databases older than {@link #LEFT_BEHIND}: marked ones, and those named as tests
   * named them before they were marked ({@code prefix_8hex}). A database's age is that of its
   * PG_VERSION file, written once when it is created.
   */
  private void dropLeftBehind(Connection c) {
    List<String> old = new ArrayList<>();
    try (var ps =
        c.prepareStatement(
            """
            SELECT d.datname FROM pg_database d
             WHERE (shobj_description(d.oid, 'pg_database') = ?
                    OR (d.datname ~ '^[a-z0-9_]+_[0-9a-f]{8}$'
                        AND shobj_description(d.oid, 'pg_database') IS NULL))
               AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification
                   < now() - make_interval(secs => ?)
            """)) {
      ps.setString(1, MARK);
      ps.setLong(2, LEFT_BEHIND.toSeconds());
      try (var rs = ps.executeQuery()) {
        while (rs.next()) old.add(rs.getString(1));
      }
    } catch (SQLException e) {
      // Reading file times needs a superuser (or pg_read_server_files); without, nothing is swept.
      System.out.println("[test databases] not sweeping old test databases: " + e.getMessage());
      return;
    }
    drop(c, old);
    if (!old.isEmpty()) {
      System.out.println(
          "[test databases] dropped "
              + old.size()
              + " test databases older than "
              + LEFT_BEHIND.toHours()
              + " h");
    }
  }

  private synchronized void dropMade() {
    if (made.isEmpty()) return;
    try (Connection c = admin()) {
      drop(c, made);
    } catch (SQLException e) {
      System.out.println("[test databases] could not drop " + made + ": " + e.getMessage());
    }
  }

  private static void drop(Connection c, List<String> names) {
    for (String name : names) {
      try (var st = c.createStatement()) {
        // FORCE: an ingest a test left running still holds connections while the JVM ends.
        st.execute("DROP DATABASE IF EXISTS \"" + name.replace("\"", "") + "\" WITH (FORCE)");
      } catch (SQLException e) {
        System.out.println("[test databases] could not drop " + name + ": " + e.getMessage());
      }
    }
  }
}

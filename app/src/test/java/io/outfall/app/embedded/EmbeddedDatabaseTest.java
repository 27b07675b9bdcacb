package io.outfall.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddedDatabaseTest {

  @Test
  void aServerWhoseOwnerWasKilledIsStoppedAtTheNextStartAndItsDataKept() throws Exception {
    try (ScratchDirectory scratch = ScratchDirectory.create("outfall-embedded-db-test")) {
      Path dir = scratch.resolve("pg");
      Process owner = startOwner(dir);
      long server = -1;
      try {
        server = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());

        // while its owner lives, the directory is refused, by name
        assertThatThrownBy(() -> EmbeddedDatabase.start(dir, 0))
            .isInstanceOf(EmbeddedDatabase.InUse.class)
            .hasMessageContaining(dir.toString());

        owner.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
        assertThat(alive(server)).as("the server outlives its killed owner").isTrue();

        try (EmbeddedDatabase db = EmbeddedDatabase.start(dir, 0, false);
            var c = DriverManager.getConnection(db.jdbcUrl("outfall"), "postgres", "");
            var st = c.createStatement();
            var rs = st.executeQuery("SELECT note FROM kept")) {
          assertThat(alive(server)).as("the server left running was stopped").isFalse();
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("written before the kill");
        }
      } finally {
        owner.destroyForcibly();
        if (server > 0) ProcessHandle.of(server).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  void aDirectoryThisProcessHoldsIsRefusedToo() throws Exception {
    try (ScratchDirectory scratch = ScratchDirectory.create("outfall-embedded-db-test");
        EmbeddedDatabase first = EmbeddedDatabase.start(scratch.resolve("pg"), 0, false)) {
      assertThatThrownBy(() -> EmbeddedDatabase.start(scratch.resolve("pg"), 0, false))
          .isInstanceOf(EmbeddedDatabase.InUse.class);
      assertThat(first.jdbcUrl("outfall")).contains(":" + first.port() + "/");
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Another JVM that starts the database on {@code dir}, writes a row and waits to be killed. */
  private static Process startOwner(Path dir) throws Exception {
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Owner.class.getName(),
                    dir.toString()))
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("ready")) return p;
      seen.append(line).append('\n');
    }
    throw new IllegalStateException("the owner exited before it was ready:\n" + seen);
  }

  /** The owner's main. */
  static final class Owner {
    public static void main(String[] args) throws Exception {
      EmbeddedDatabase db = EmbeddedDatabase.start(Path.of(args[0]), 0, false);
      try (var c = DriverManager.getConnection(db.jdbcUrl("outfall"), "postgres", "");
          var st = c.createStatement()) {
        st.execute("CREATE TABLE kept (note text)");
        st.execute("INSERT INTO kept VALUES ('written before the kill')");
      }
      System.out.println("ready");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}

package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.access.Users;
import io.outfall.ingest.storage.Database;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code outfall users} on the servers' database, as an operator of the system uses it from a
 * shell: a user added with a password written to a file only its owner reads, listed, disabled
 * (then refused), enabled, given a new password (the old one refused); each change audited as
 * {@code cli:<login>}.
 */
class UsersCommandIT {
  @Test
  void usersAreManagedFromTheCommandLine() throws Exception {
    TestServices s = TestServices.get();
    String url = s.newDatabase("users_cli");
    Path dir = Files.createTempDirectory("outfall-users-cli");
    Path settings = dir.resolve("outfall.yaml");
    Files.writeString(
        settings,
        "db: {url: \"%s\", user: \"%s\", password: \"%s\"}\n"
            .formatted(url, s.dbUser(), s.dbPassword()));
    String config = settings.toString();
    Path secret = dir.resolve("lan.secret");

    Cli.Run add =
        Cli.run(
            "users",
            "add",
            "lan",
            "--role",
            "inspector",
            "--password-file",
            secret.toString(),
            "--config",
            config);
    assertThat(add.exit()).as(add.printed()).isZero();
    String password = Files.readString(secret).trim();
    assertThat(add.out()).doesNotContain(password);
    assertThat(Files.getPosixFilePermissions(secret))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    try (Database db = Database.open(url, s.dbUser(), s.dbPassword(), 2, Duration.ofSeconds(10))) {
      Users users = new Users(db.dataSource());
      assertThat(users.authenticate("lan", password)).isPresent();
      assertThat(Cli.run("users", "list", "--config", config).out())
          .containsPattern("lan\\s+inspector\\s+enabled");

      assertThat(Cli.run("users", "disable", "lan", "--config", config).exit()).isZero();
      assertThat(users.authenticate("lan", password)).isEmpty();
      assertThat(Cli.run("users", "list", "--config", config).out())
          .containsPattern("lan\\s+inspector\\s+disabled");
      assertThat(Cli.run("users", "disable", "lan", "--config", config).exit())
          .as("disabling twice")
          .isEqualTo(1);
      assertThat(Cli.run("users", "enable", "lan", "--config", config).exit()).isZero();
      assertThat(users.authenticate("lan", password)).isPresent();

      Cli.Run reset = Cli.run("users", "reset-password", "lan", "--config", config);
      assertThat(reset.exit()).as(reset.printed()).isZero();
      String fresh = reset.out().replaceAll("(?s).*password:\\s+(\\S+).*", "$1");
      assertThat(fresh).hasSize(20);
      assertThat(users.authenticate("lan", password)).isEmpty();
      assertThat(users.authenticate("lan", fresh)).isPresent();

      Cli.Run bad = Cli.run("users", "add", "x", "--role", "pilot", "--config", config);
      assertThat(bad.exit()).isEqualTo(2);
      assertThat(bad.err()).contains("pilot");

      String actor = "cli:" + System.getProperty("user.name");
      assertThat(users.auditLog(100, 0))
          .extracting(e -> e.actor() + " " + e.action() + " " + e.detail())
          .contains(
              actor + " user_save lan inspector []",
              actor + " user_disable lan",
              actor + " user_enable lan",
              actor + " user_reset_password lan");
    }
  }
}

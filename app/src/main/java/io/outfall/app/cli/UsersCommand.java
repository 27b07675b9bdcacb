package io.outfall.app.cli;

import io.outfall.ingest.access.PasswordHash;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.access.Users;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * People who sign in to the web pages and the API, managed from the server's shell: the same
 * changes an admin makes at {@code /users.html}, each in the access audit as {@code cli:<login>}.
 * Passwords are made here and shown once (or written to a file only its owner reads).
 */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description = "People who sign in: list, add, disable, enable, reset a password.",
    subcommands = {
      UsersCommand.ListUsers.class,
      UsersCommand.Add.class,
      UsersCommand.Disable.class,
      UsersCommand.Enable.class,
      UsersCommand.ResetPassword.class
    })
final class UsersCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Who the audit names for a change made here. */
  static String actor() {
    return "cli:" + System.getProperty("user.name", "unknown");
  }

  abstract static class OnUsers implements Callable<Integer> {
    @Mixin CliDatabase.Options where;

    @Override
    public final Integer call() throws Exception {
      return CliDatabase.run(where, ds -> run(new Users(ds)));
    }

    abstract int run(Users users) throws Exception;
  }

  /** A command that makes a password and hands over its only copy. */
  abstract static class WithPassword extends OnUsers {
    @Mixin NewPassword shown;

    void show(String username, String password) throws Exception {
      shown.show(username, password);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
  static final class ListUsers extends OnUsers {
    @Override
    int run(Users users) throws Exception {
      System.out.printf("%-24s %-10s %-9s %s%n", "USER", "ROLE", "STATE", "SITES");
      for (Users.User u : users.all())
        System.out.printf(
            "%-24s %-10s %-9s %s%n",
            u.username(),
            u.role().label(),
            u.disabledAt() == null ? "enabled" : "disabled",
            String.join(",", u.sites().stream().sorted().toList()));
      return 0;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Create a user with a new password (or give an existing one a new role).")
  static final class Add extends WithPassword {
    @Parameters(paramLabel = "NAME")
    String username;

    @Option(
        names = "--role",
        required = true,
        description = "operator, inspector, engineer or admin")
    String role;

    @Option(
        names = "--site",
        paramLabel = "SITE",
        description = "an operator's own site (repeat for several)")
    List<String> sites = List.of();

    @Override
    int run(Users users) throws Exception {
      String password = PasswordHash.newSecret().substring(0, 20);
      users.save(username, password, Role.ofUser(role), new LinkedHashSet<>(sites));
      users.audit(actor(), "user_save", username + " " + role + " " + sites, "", "ok");
      show(username, password);
      return 0;
    }
  }

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = "Refuse a user's logins and tokens (every server within 2 s).")
  static final class Disable extends OnUsers {
    @Parameters(paramLabel = "NAME")
    String username;

    @Override
    int run(Users users) throws Exception {
      if (!users.disable(username)) {
        System.err.println("no enabled user " + username);
        return 1;
      }
      users.audit(actor(), "user_disable", username, "", "ok");
      System.out.println("disabled " + username);
      return 0;
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a user again.")
  static final class Enable extends OnUsers {
    @Parameters(paramLabel = "NAME")
    String username;

    @Override
    int run(Users users) throws Exception {
      if (!users.enable(username)) {
        System.err.println("no disabled user " + username);
        return 1;
      }
      users.audit(actor(), "user_enable", username, "", "ok");
      System.out.println("enabled " + username);
      return 0;
    }
  }

  @Command(
      name = "reset-password",
      mixinStandardHelpOptions = true,
      description = "A new password for a user who lost theirs; their sessions end.")
  static final class ResetPassword extends WithPassword {
    @Parameters(paramLabel = "NAME")
    String username;

    @Override
    int run(Users users) throws Exception {
      var password = users.resetPassword(username);
      if (password.isEmpty()) {
        System.err.println("no user " + username);
        return 1;
      }
      users.audit(actor(), "user_reset_password", username, "", "ok");
      show(username, password.get());
      return 0;
    }
  }
}

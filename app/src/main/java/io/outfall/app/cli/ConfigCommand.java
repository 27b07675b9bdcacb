package io.outfall.app.cli;

import io.outfall.ingest.deploy.ConfigVersions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outfall config …}: gateway configurations. {@code validate} works offline; the others talk
 * to a running server's deployment API (docs/deployment.md). Exit status: 0 done (completed, or a
 * canary passed and waits for promotion), 1 the rollout failed or halted (or the file is invalid),
 * 2 the request could not be made or was refused, 3 still in progress when the wait ran out.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Gateway configurations: validate, deploy, follow, promote, roll back.",
    subcommands = {
      ConfigCommand.Validate.class,
      ConfigCommand.Deploy.class,
      ConfigCommand.Status.class,
      ConfigCommand.Promote.class,
      ConfigCommand.Rollback.class
    })
public final class ConfigCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description =
          "Check a configuration exactly as a gateway will parse it; exit 1 with the bad field.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the configuration YAML")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!Files.isReadable(file)) {
        System.err.println(file + ": cannot read it");
        return 2;
      }
      try {
        String version = ConfigVersions.validate(Files.readString(file));
        System.out.println(file + ": valid, version " + version);
        return 0;
      } catch (IllegalArgumentException e) {
        System.err.println(file + ": " + e.getMessage());
        return 1;
      }
    }
  }

  /** The server (an engineer's or admin's token) and how long to follow a rollout. */
  static final class Server {
    @Mixin ServerOptions server;

    @Option(
        names = "--wait",
        defaultValue = "600",
        description = "seconds to follow the rollout before giving up (default ${DEFAULT-VALUE})")
    int waitSeconds;

    ConfigClient client() throws IOException {
      return new ConfigClient(server.client());
    }
  }

  /** Where a rollout goes and how long each gateway has to answer. */
  static final class Target {
    @Option(
        names = "--to",
        required = true,
        paramLabel = "TARGET",
        description = "site/gateway, site:<site>, tag:<tag> or all")
    String target;

    @Option(
        names = "--ack-timeout",
        defaultValue = "300",
        description = "seconds each gateway has to answer (default ${DEFAULT-VALUE})")
    int ackTimeout;
  }

  /** Runs a request; a refusal or an unreachable server is exit 2 with the reason. */
  interface Remote extends Callable<Integer> {
    int remote() throws Exception;

    @Override
    default Integer call() throws Exception {
      try {
        return remote();
      } catch (ApiClient.Refused | IOException e) {
        System.err.println("outfall config: " + e.getMessage());
        return 2;
      }
    }
  }

  /** Follows a rollout, printing each change, and turns its end into the exit status. */
  static int follow(Server server, JsonObject rollout) throws Exception {
    long id = rollout.getLong("id");
    JsonObject end =
        server
            .client()
            .follow(
                id,
                Duration.ofSeconds(server.waitSeconds),
                r -> System.out.println(ConfigClient.summary(r)));
    printGateways(end);
    String state = end.getString("state");
    if (!ConfigClient.settled(end)) {
      System.out.println("still in progress; see: outfall config status " + id);
      return 3;
    }
    if (state.equals("canary_passed"))
      System.out.println("the canary passed; send it to the rest: outfall config promote " + id);
    return state.equals("completed") || state.equals("canary_passed") ? 0 : 1;
  }

  static void printGateways(JsonObject r) {
    for (Object o : r.getJsonArray("gateways")) {
      JsonObject g = (JsonObject) o;
      System.out.printf(
          "  %-40s %-13s %s%n",
          g.getString("site") + "/" + g.getString("gateway"),
          g.getString("state"),
          g.getString("reason") == null ? "" : g.getString("reason"));
    }
  }

  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = {
        "Store FILE as the next version of its configuration and deploy it to TARGET, then follow",
        "the rollout to its end. TARGET: site/gateway, site:<site>, tag:<tag> or all."
      })
  static final class Deploy implements Remote {
    @Parameters(paramLabel = "FILE", description = "the configuration YAML")
    Path file;

    @Option(
        names = "--canary",
        defaultValue = "100%",
        paramLabel = "N%",
        description = "share of the target that gets it first (default: all at once)")
    String canary;

    @Option(names = "--auto-promote", description = "send it to the rest once the canary passed")
    boolean autoPromote;

    @Option(
        names = "--name",
        description = "the configuration's name (default: the file name without .yaml)")
    String name;

    @Option(
        names = {"-m", "--message"},
        description = "what changed and why")
    String message;

    @Mixin Target to;

    @Mixin Server server;

    @Override
    public int remote() throws Exception {
      if (!Files.isReadable(file)) {
        System.err.println(file + ": cannot read it");
        return 2;
      }
      String yaml = Files.readString(file);
      try {
        ConfigVersions.validate(yaml);
      } catch (IllegalArgumentException e) {
        System.err.println(file + ": " + e.getMessage());
        return 1;
      }
      int percent = percent(canary);
      String config =
          name != null ? name : file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
      ConfigClient client = server.client();
      JsonObject v = client.store(config, yaml, message);
      System.out.printf(
          "%s #%d (version %s, %s)%n",
          v.getString("name"), v.getInteger("seq"), v.getString("version"), v.getString("hash"));
      JsonObject r =
          client.deploy(
              config, v.getInteger("seq"), to.target, percent, autoPromote, to.ackTimeout, false);
      return follow(server, r);
    }

    private static int percent(String text) {
      try {
        int p = Integer.parseInt(text.endsWith("%") ? text.substring(0, text.length() - 1) : text);
        if (p >= 1 && p <= 100) return p;
      } catch (NumberFormatException e) {
        // fall through to the message
      }
      throw new CommandLine.ParameterException(
          new CommandLine(new Deploy()), "--canary: 1% to 100%, got '" + text + "'");
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show a rollout and each gateway's state; --follow waits for its end.")
  static final class Status implements Remote {
    @Parameters(paramLabel = "ROLLOUT", description = "the rollout's id")
    long id;

    @Option(names = "--follow", description = "follow it until it settles")
    boolean follow;

    @Mixin Server server;

    @Override
    public int remote() throws Exception {
      JsonObject r = server.client().rollout(id);
      if (follow) return ConfigCommand.follow(server, r);
      System.out.println(ConfigClient.summary(r));
      printGateways(r);
      return 0;
    }
  }

  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = "Send a rollout whose canary passed to the gateways that waited.")
  static final class Promote implements Remote {
    @Parameters(paramLabel = "ROLLOUT", description = "the rollout's id")
    long id;

    @Mixin Server server;

    @Override
    public int remote() throws Exception {
      return follow(server, server.client().promote(id));
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Deploy an earlier version of a configuration to TARGET, as a rollback.")
  static final class Rollback implements Remote {
    @Parameters(index = "0", paramLabel = "NAME", description = "the configuration")
    String name;

    @Parameters(index = "1", paramLabel = "SEQ", description = "the earlier version's number")
    int seq;

    @Mixin Target to;

    @Mixin Server server;

    @Override
    public int remote() throws Exception {
      return follow(
          server, server.client().deploy(name, seq, to.target, 100, false, to.ackTimeout, true));
    }
  }
}

package io.outfall.ingest.cli;

import io.outfall.ingest.deploy.ConfigVersions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code outfall config …}: gateway configurations. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description =
        "Gateway configurations (deploying them: POST /api/rollouts, see docs/deployment.md).",
    subcommands = {ConfigCommand.Validate.class})
public final class ConfigCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
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
}

package io.outfall.app.cli;

import io.outfall.ingest.config.Setting;
import picocli.CommandLine.Command;

/** Lists every setting with its environment variable and default. */
@Command(
    name = "settings",
    mixinStandardHelpOptions = true,
    description = "List every setting, its environment variable and default.")
final class SettingsCommand implements Runnable {
  @Override
  public void run() {
    System.out.printf("%-30s %-36s %-28s %s%n", "key", "environment", "default", "meaning");
    for (Setting s : Setting.values()) {
      System.out.printf(
          "%-30s %-36s %-28s %s%n",
          s.key(),
          s.envName(),
          s.defaultValue().isEmpty() ? "(empty)" : s.defaultValue(),
          s.description());
    }
  }
}

package io.outfall.ingest.cli;

import io.outfall.gateway.Gateway;
import io.outfall.gateway.config.GatewayConfig;
import io.outfall.gateway.config.GatewayConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a plant gateway; {@code gateway status} shows what a running one is doing. */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = "Run the edge gateway: poll Modbus devices, buffer durably, publish over MQTT.",
    subcommands = GatewayCommand.Status.class)
final class GatewayCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "gateway YAML")
  Path config;

  @Override
  public Integer call() throws Exception {
    GatewayConfig c = load(config);
    Gateway g = Gateway.start(c);
    System.out.printf(
        "outfall gateway %s (site %s, config %s): %d devices -> %s; buffer %s%n",
        c.gateway(), c.site(), c.version(), c.devices().size(), c.mqtt().url(), c.buffer().path());
    ServeCommand.awaitShutdown(g);
    return 0;
  }

  static GatewayConfig load(Path file) throws Exception {
    try {
      return GatewayConfigFile.read(file);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(new GatewayCommand()), file + ": " + e.getMessage());
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Buffer depth, last publish, device health and config version of a gateway.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "gateway YAML")
    Path config;

    @Override
    public Integer call() throws Exception {
      Path file = Gateway.statusFile(load(config));
      if (!Files.exists(file)) {
        System.err.println("no status at " + file + ": is the gateway running?");
        return 1;
      }
      System.out.println(Files.readString(file));
      long age = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
      if (age > 15_000)
        System.err.printf("(written %d s ago: the gateway may be stopped)%n", age / 1000);
      return 0;
    }
  }
}

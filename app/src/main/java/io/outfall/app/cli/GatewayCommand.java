package io.outfall.app.cli;

import io.outfall.gateway.GatewayMain;
import io.outfall.protocol.config.GatewayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a plant gateway; {@code gateway status} shows what a running one is doing. */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = "Run the edge gateway: poll Modbus devices, buffer durably, publish over MQTT.",
    subcommands = {GatewayCommand.Status.class, GatewayCommand.MeterChange.class})
final class GatewayCommand implements Callable<Integer> {
  // Not required = true: picocli would then ask for it before 'status' too, which has its own.
  @Option(names = "--config", paramLabel = "FILE", description = "gateway YAML (required)")
  Path config;

  @Option(
      names = "--status-port",
      paramLabel = "PORT",
      description = "serve the local status page on this port (all interfaces)")
  Integer statusPort;

  @Override
  public Integer call() throws Exception {
    if (config == null)
      throw new CommandLine.ParameterException(
          new CommandLine(this), "Missing required option: '--config=FILE'");
    load(config); // a bad file is a usage error here, with the path of the bad field
    List<String> args = new ArrayList<>(List.of("--config", config.toString()));
    if (statusPort != null) args.addAll(List.of("--status-port", statusPort.toString()));
    return GatewayMain.run(args);
  }

  static GatewayConfig load(Path file) throws Exception {
    try {
      return GatewayMain.readConfig(file);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(new GatewayCommand()), file + ": " + e.getMessage());
    }
  }

  @Command(
      name = "meter-change",
      mixinStandardHelpOptions = true,
      description = {
        "Record a meter replaced at the plant: the old meter's last value and the new one's first.",
        "The running gateway sends it with its status; the server then counts the old meter to its"
            + " last value and the new one from its first (docs/dashboards.md)."
      })
  static final class MeterChange implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "gateway YAML")
    Path config;

    @Option(names = "--station", required = true, paramLabel = "STATION")
    String station;

    @Option(
        names = "--parameter",
        required = true,
        paramLabel = "CODE",
        description = "the meter: energy, energy_renewable, chemical_dose, production")
    String parameter;

    @Option(names = "--old-final", required = true, paramLabel = "VALUE")
    double oldFinal;

    @Option(names = "--new-start", required = true, paramLabel = "VALUE")
    double newStart;

    @Option(
        names = "--at",
        paramLabel = "TIME",
        description = "when the old meter came out, ISO-8601 with offset (default now)")
    String at;

    @Option(names = "--note", paramLabel = "TEXT")
    String note;

    @Override
    public Integer call() throws Exception {
      return GatewayMain.recordMeterChange(
          load(config), station, parameter, at, oldFinal, newStart, note);
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
      return GatewayMain.printStatus(load(config));
    }
  }
}

package io.outfall.ingest.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code outfall} command line. */
@Command(
    name = "outfall",
    mixinStandardHelpOptions = true,
    version = "outfall 0.1.0",
    description = "Real-time effluent compliance monitoring for wastewater treatment plants.",
    subcommands = {
      DemoCommand.class,
      ServeCommand.class,
      SettingsCommand.class,
      CheckCommand.class,
      GatewayCommand.class,
      GatewaysCommand.class,
      SimulatePlantCommand.class,
      ConfigCommand.class,
      io.outfall.ingest.drill.DrillCommand.class,
      io.outfall.ingest.bench.BenchCommand.class,
      io.outfall.ingest.bench.AlertLatencyBench.class,
      io.outfall.ingest.bench.GatewayDrainBench.class,
      io.outfall.ingest.bench.DashboardQueryBench.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

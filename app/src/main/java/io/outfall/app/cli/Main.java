package io.outfall.app.cli;

import io.outfall.app.bench.AlertLatencyBench;
import io.outfall.app.bench.BenchCommand;
import io.outfall.app.bench.DashboardQueryBench;
import io.outfall.app.bench.FleetBench;
import io.outfall.app.bench.GatewayDrainBench;
import io.outfall.app.bench.RejudgeBench;
import io.outfall.app.drill.DrillCommand;
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
      UsersCommand.class,
      SimulatePlantCommand.class,
      ConfigCommand.class,
      ExportCommand.class,
      RegistryCommand.class,
      DrillCommand.class,
      BenchCommand.class,
      AlertLatencyBench.class,
      GatewayDrainBench.class,
      DashboardQueryBench.class,
      RejudgeBench.class,
      FleetBench.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // HiveMQ's jar carries a logback.xml of its own: logback would print its whole status report
    // about the duplicate at every start of `java -jar outfall.jar`. Ours is the one in use (the
    // app's jar comes first on its class path). Before any logger exists.
    if (System.getProperty("logback.statusListenerClass") == null)
      System.setProperty(
          "logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

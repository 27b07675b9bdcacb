package io.outfall.app.cli;

import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves a simulated plant's analyzer and meter registers over Modbus TCP. */
@Command(
    name = "simulate-plant",
    mixinStandardHelpOptions = true,
    description = {
      "Serve realistic analyzer registers over Modbus TCP (unit 1) for a gateway to poll.",
      "Holding registers 2i,2i+1: float32 of flow_in, flow_out, temperature, pH, TSS, COD, NH4_N,",
      "colour (i = 0..7); 100+i: their status (0 measuring, 1 calibrating, 2 fault);",
      "16-17 energy kWh, 18-19 coagulant kg (float32, cumulative)."
    })
final class SimulatePlantCommand implements Callable<Integer> {
  @Option(names = "--modbus-port", defaultValue = "5020", description = "default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--station", defaultValue = "SIM-OUT", description = "default: ${DEFAULT-VALUE}")
  String station;

  @Option(names = "--seed", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
  long seed;

  @Override
  public Integer call() throws Exception {
    PlantSimulator sim =
        new PlantSimulator(station, new EffluentModel(EffluentModel.Profile.TYPICAL, seed), port);
    System.out.printf("outfall simulate-plant: %s on Modbus TCP port %d, unit 1%n", station, port);
    ServeCommand.awaitShutdown(sim);
    return 0;
  }
}

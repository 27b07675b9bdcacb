package io.outfall.app.demo;

import io.outfall.simulator.EffluentModel;
import io.outfall.simulator.PlantSimulator;
import java.nio.file.Path;
import java.time.Duration;

/** Gateway configurations for simulated plants (the demo and the drills). */
public final class PlantGateways {
  private PlantGateways() {}

  /** Points per poll of a simulated plant: its eight parameters, the energy and dosing meters. */
  public static final int POINTS = EffluentModel.PARAMETERS.size() + 2;

  /**
   * A gateway polling a {@link PlantSimulator} on {@code modbusPort} every {@code period}: the
   * eight parameters with their status registers, the energy meter, and the coagulant dosing meter
   * from the input registers (as many meters publish theirs).
   */
  public static String config(
      String gateway,
      String site,
      String station,
      String mqttUrl,
      int modbusPort,
      Duration period,
      Path bufferDir) {
    return config(gateway, site, station, mqttUrl, null, null, modbusPort, period, bufferDir);
  }

  /**
   * @param password the gateway's broker password (user name {@code site/gateway}), or null for a
   *     broker without accounts
   * @param caFile the only CA the gateway trusts on an {@code ssl://} url, or null
   */
  public static String config(
      String gateway,
      String site,
      String station,
      String mqttUrl,
      String password,
      Path caFile,
      int modbusPort,
      Duration period,
      Path bufferDir) {
    String login =
        (password == null
                ? ""
                : ", username: \"%s/%s\", password: \"%s\"".formatted(site, gateway, password))
            + (caFile == null ? "" : ", ca_file: \"%s\"".formatted(caFile.toAbsolutePath()));
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < EffluentModel.PARAMETERS.size(); i++) {
      String p = EffluentModel.PARAMETERS.get(i);
      points.append(
          String.format(
              "      - {parameter: %s, unit: %s, register: %d, status_register: %d}%n",
              p, unit(p), 2 * i, PlantSimulator.STATUS_BASE + i));
    }
    points.append(
        String.format(
            "      - {parameter: energy, unit: kWh, register: %d}%n",
            PlantSimulator.ENERGY_REGISTER));
    points.append(
        String.format(
            "      - {parameter: chemical_dose, unit: kg, table: input, register: %d}%n",
            PlantSimulator.CHEMICAL_REGISTER));
    return """
        version: simulated-1
        gateway: %s
        site: %s
        mqtt: {url: "%s"%s, batch_max_readings: 100, batch_max_delay: 1s}
        buffer: {path: "%s"}
        devices:
          - name: outlet
            host: 127.0.0.1
            port: %d
            station: %s
            period: %dms
            timeout: 500ms
            retries: 1
            points:
        %s"""
        .formatted(
            gateway,
            site,
            mqttUrl,
            login,
            bufferDir.resolve("buffer.db"),
            modbusPort,
            station,
            period.toMillis(),
            points);
  }

  /** The catalog unit of each simulated parameter. */
  public static String unit(String parameter) {
    return switch (parameter) {
      case "flow_in", "flow_out" -> "m3/h";
      case "temperature" -> "degC";
      case "pH" -> "pH";
      case "colour" -> "Pt-Co";
      default -> "mg/L";
    };
  }
}

package io.outfall.gateway;

import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The standalone gateway ({@code java -jar outfall-gateway.jar}), for a plant PC that runs nothing
 * else of Outfall. The same as {@code ./outfall gateway}.
 *
 * <pre>
 * java -jar outfall-gateway.jar --config gateway.yaml [--status-port 8091]
 * java -jar outfall-gateway.jar status --config gateway.yaml
 * java -jar outfall-gateway.jar meter-change --config gateway.yaml --station S --parameter energy \
 *     --old-final 120345.5 --new-start 0 [--at 2026-11-20T10:15:00+07:00] [--note "…"]
 * </pre>
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null)
      System.setProperty("logback.configurationFile", "outfall-gateway-logback.xml");
    System.exit(run(List.of(args)));
  }

  public static int run(List<String> args) throws Exception {
    boolean status = !args.isEmpty() && args.get(0).equals("status");
    boolean meterChange = !args.isEmpty() && args.get(0).equals("meter-change");
    Path file = option(args, "--config") == null ? null : Path.of(option(args, "--config"));
    if (file == null || args.contains("--help")) {
      System.err.println(
          "usage: outfall-gateway --config FILE [--status-port PORT]\n"
              + "       outfall-gateway status --config FILE\n"
              + "       outfall-gateway meter-change --config FILE --station STATION"
              + " --parameter CODE --old-final VALUE --new-start VALUE [--at TIME] [--note TEXT]");
      return 2;
    }
    GatewayConfig config;
    try {
      config = readConfig(file);
    } catch (IllegalArgumentException e) {
      System.err.println(file + ": " + e.getMessage());
      return 2;
    }
    if (status) return printStatus(config);
    if (meterChange) return recordMeterChange(config, args);
    Gateway g = Gateway.start(config);
    String port = option(args, "--status-port");
    StatusPage page = port == null ? null : new StatusPage(g, "0.0.0.0", Integer.parseInt(port));
    System.out.printf(
        "outfall gateway %s (site %s, config %s): %d devices -> %s; buffer %s%s%n",
        config.gateway(),
        config.site(),
        g.activeConfig().version(),
        g.activeConfig().devices().size(),
        config.mqtt().url(),
        config.buffer().path(),
        page == null ? "" : "; status page on port " + page.port());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    if (page != null) page.close();
                    g.close();
                  } catch (Exception e) {
                    System.err.println("gateway: stopping: " + e);
                  }
                }));
    Thread.currentThread().join();
    return 0;
  }

  /**
   * The gateway's local configuration file; {@link IllegalArgumentException} naming a bad field, or
   * saying why the file cannot be read.
   */
  public static GatewayConfig readConfig(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot be read (" + e + ")");
    }
    return GatewayConfigYaml.parse(yaml);
  }

  /** Prints the status file a running gateway keeps beside its buffer. */
  public static int printStatus(GatewayConfig config) throws Exception {
    Path file = Gateway.statusFile(config);
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

  /**
   * Records a meter replaced at the plant; the running gateway sends it with its next status, and
   * the server stops counting the new meter's starting value as consumption.
   */
  public static int recordMeterChange(GatewayConfig config, List<String> args) {
    try {
      return recordMeterChange(
          config,
          required(args, "--station"),
          required(args, "--parameter"),
          option(args, "--at"),
          Double.parseDouble(required(args, "--old-final")),
          Double.parseDouble(required(args, "--new-start")),
          option(args, "--note"));
    } catch (IllegalArgumentException e) {
      System.err.println("meter-change: " + e.getMessage());
      return 2;
    }
  }

  /**
   * The same with the values parsed ({@code outfall gateway meter-change}); {@code at} ISO-8601
   * with an offset, or null for now. 0 recorded, 2 refused (said on standard error).
   */
  public static int recordMeterChange(
      GatewayConfig config,
      String station,
      String parameter,
      String at,
      double oldFinal,
      double newStart,
      String note) {
    try {
      long now = System.currentTimeMillis();
      MeterChanges.MeterChange c =
          new MeterChanges.MeterChange(
              station,
              parameter,
              at == null ? now : OffsetDateTime.parse(at).toInstant().toEpochMilli(),
              oldFinal,
              newStart,
              note,
              now);
      MeterChanges.record(config, c);
      System.out.printf(
          "recorded: %s %s replaced at %s (old meter's last value %s, new one's first %s); the"
              + " gateway sends it with its next status%n",
          c.station(), c.parameter(), Instant.ofEpochMilli(c.atMs()), c.oldFinal(), c.newStart());
      return 0;
    } catch (IllegalArgumentException | DateTimeParseException e) {
      System.err.println("meter-change: " + e.getMessage());
      return 2;
    }
  }

  private static String required(List<String> args, String name) {
    String v = option(args, name);
    if (v == null) throw new IllegalArgumentException(name + " is required");
    return v;
  }

  private static String option(List<String> args, String name) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
  }
}

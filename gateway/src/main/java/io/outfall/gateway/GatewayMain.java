package io.outfall.gateway;

import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The standalone gateway ({@code java -jar outfall-gateway.jar}), for a plant PC that runs nothing
 * else of Outfall. The same as {@code ./outfall gateway}.
 *
 * <pre>
 * java -jar outfall-gateway.jar --config gateway.yaml [--status-port 8091]
 * java -jar outfall-gateway.jar status --config gateway.yaml
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
    Path file = option(args, "--config") == null ? null : Path.of(option(args, "--config"));
    if (file == null || args.contains("--help")) {
      System.err.println(
          "usage: outfall-gateway --config FILE [--status-port PORT]\n"
              + "       outfall-gateway status --config FILE");
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

  private static String option(List<String> args, String name) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
  }
}

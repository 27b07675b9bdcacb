package io.outfall.app.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outfall registry …}: the clusters, plants and stations a running server knows, and the
 * readings it holds for stations no one registered (docs/dashboards.md, "The registry"). Each
 * subcommand exits 0 done, 2 refused or the server unreachable.
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = "The registry of clusters, treatment plants and stations on a running server.",
    subcommands = {
      RegistryCommand.Import.class,
      RegistryCommand.Export.class,
      RegistryCommand.Unregistered.class,
      RegistryCommand.Accept.class,
      RegistryCommand.Discard.class
    })
public final class RegistryCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Runs one request and prints what it says; the refusals of every subcommand look alike. */
  abstract static class Request implements Callable<Integer> {
    @Mixin ServerOptions server;

    abstract String describe(ApiClient api) throws IOException;

    @Override
    public Integer call() throws Exception {
      try {
        System.out.println(describe(server.client()));
        return 0;
      } catch (ApiClient.Refused | IOException e) {
        System.err.println("outfall registry: " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Register the clusters, plants and stations of a CSV file, all or nothing.",
        "Columns: type,code,name,parent,kind,district,status,treatment,latitude,longitude,"
            + "receiving_water,design_capacity_m3_per_day,sampling"
      })
  static final class Import extends Request {
    @Parameters(paramLabel = "FILE.csv")
    Path file;

    @Override
    String describe(ApiClient api) throws IOException {
      JsonObject r = api.json("POST", "/api/registry/import", Files.readString(file));
      return "%s: %d clusters, %d plants, %d stations registered"
          .formatted(
              file, r.getInteger("clusters"), r.getInteger("plants"), r.getInteger("stations"));
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Save the registry as the CSV file import reads.")
  static final class Export extends Request {
    @Option(names = "--out", paramLabel = "FILE", defaultValue = "registry.csv")
    Path out;

    @Override
    String describe(ApiClient api) throws IOException {
      long bytes = api.download("/api/registry?format=csv", out);
      return "%s: %d bytes".formatted(out, bytes);
    }
  }

  @Command(
      name = "unregistered",
      mixinStandardHelpOptions = true,
      description = "Stations no one registered whose readings are held for an admin.")
  static final class Unregistered extends Request {
    @Override
    String describe(ApiClient api) throws IOException {
      var items = api.get("/api/registry/unregistered").getJsonArray("items");
      if (items.isEmpty()) return "no readings are held";
      StringBuilder sb = new StringBuilder("station\tplant\tgateway\treadings\tfirst\tlast");
      for (Object o : items) {
        JsonObject h = (JsonObject) o;
        sb.append('\n')
            .append(
                String.join(
                    "\t",
                    h.getString("station"),
                    h.getString("plant"),
                    h.getString("gateway"),
                    Long.toString(h.getLong("readings")),
                    h.getString("first"),
                    h.getString("last")));
      }
      return sb.toString();
    }
  }

  @Command(
      name = "accept",
      mixinStandardHelpOptions = true,
      description =
          "Register a held station under the plant it reported from and store its readings.")
  static final class Accept extends Request {
    @Parameters(paramLabel = "STATION")
    String station;

    @Override
    String describe(ApiClient api) throws IOException {
      JsonObject r =
          api.json("POST", "/api/registry/unregistered/" + encode(station) + "/accept", null);
      return "%s registered under %s; %d readings stored"
          .formatted(r.getString("station"), r.getString("plant"), r.getLong("stored"));
    }
  }

  @Command(
      name = "discard",
      mixinStandardHelpOptions = true,
      description = "Delete the held readings of a station.")
  static final class Discard extends Request {
    @Parameters(paramLabel = "STATION")
    String station;

    @Override
    String describe(ApiClient api) throws IOException {
      JsonObject r =
          api.json("POST", "/api/registry/unregistered/" + encode(station) + "/discard", null);
      return "%s: %d held readings discarded".formatted(station, r.getLong("discarded"));
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

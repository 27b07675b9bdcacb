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
      RegistryCommand.Discard.class,
      RegistryCommand.Target.class
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
            + "receiving_water,design_capacity_m3_per_day,sampling; a cluster or plant may add"
            + " target_baseline,target_energy_per_m3_pct,target_chemical_per_m3_pct,"
            + "target_energy_per_unit_pct,target_product_unit,target_source"
      })
  static final class Import extends Request {
    @Parameters(paramLabel = "FILE.csv")
    Path file;

    @Override
    String describe(ApiClient api) throws IOException {
      JsonObject r = api.json("POST", "/api/registry/import", Files.readString(file));
      return "%s: %d clusters, %d plants, %d stations registered, %d targets set"
          .formatted(
              file,
              r.getInteger("clusters"),
              r.getInteger("plants"),
              r.getInteger("stations"),
              r.getInteger("targets"));
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

  @Command(
      name = "target",
      mixinStandardHelpOptions = true,
      description = {
        "Show, set or remove the cleaner-production target of a plant or a cluster.",
        "With no figure it shows the target; with --baseline and at least one percentage it sets"
            + " it (replacing the one before); --remove removes it. See docs/dashboards.md,"
            + " \"Targets\"."
      })
  static final class Target extends Request {
    @CommandLine.ArgGroup(multiplicity = "1")
    Scope scope;

    static final class Scope {
      @Option(names = "--plant", paramLabel = "SITE", description = "the plant's site code")
      String plant;

      @Option(names = "--cluster", paramLabel = "CODE", description = "the cluster's code")
      String cluster;
    }

    @Option(
        names = "--baseline",
        paramLabel = "FROM/TO",
        description = "local dates, TO excluded, e.g. 2025-01-01/2026-01-01")
    String baseline;

    @Option(names = "--energy-per-m3-pct", paramLabel = "PCT")
    Double energy;

    @Option(names = "--chemical-per-m3-pct", paramLabel = "PCT")
    Double chemical;

    @Option(names = "--energy-per-unit-pct", paramLabel = "PCT")
    Double product;

    @Option(names = "--product-unit", paramLabel = "UNIT", description = "e.g. t")
    String productUnit;

    @Option(
        names = "--source",
        paramLabel = "TEXT",
        description = "the programme or decision the numbers are taken from")
    String source;

    @Option(names = "--remove", description = "remove the target")
    boolean remove;

    @Override
    String describe(ApiClient api) throws IOException {
      String path =
          scope.plant != null
              ? "/api/plants/" + encode(scope.plant) + "/targets"
              : "/api/clusters/" + encode(scope.cluster) + "/targets";
      String whose = scope.plant != null ? "plant " + scope.plant : "cluster " + scope.cluster;
      if (remove)
        return api.json("DELETE", path, null).getBoolean("removed")
            ? whose + ": target removed"
            : whose + ": had no target of its own";
      if (baseline == null && energy == null && chemical == null && product == null)
        return whose + ": " + describe(api.get(path));
      String[] dates = baseline == null ? new String[0] : baseline.split("/");
      if (dates.length != 2)
        throw new ApiClient.Refused(
            400, "--baseline FROM/TO is required, e.g. 2025-01-01/2026-01-01");
      JsonObject body =
          new JsonObject()
              .put("baseline_from", dates[0].trim())
              .put("baseline_to", dates[1].trim())
              .put("energy_per_m3_pct", energy)
              .put("chemical_per_m3_pct", chemical)
              .put("energy_per_unit_pct", product)
              .put("product_unit", productUnit)
              .put("source", source);
      return whose + " set: " + describe(api.json("PUT", path, body.encode()));
    }

    private static String describe(JsonObject t) {
      StringBuilder sb =
          new StringBuilder("baseline ")
              .append(t.getString("baseline_from"))
              .append(" to ")
              .append(t.getString("baseline_to"))
              .append(" (excluded)");
      for (String[] k :
          new String[][] {
            {"energy_per_m3_pct", "energy/m3"},
            {"chemical_per_m3_pct", "chemical/m3"},
            {"energy_per_unit_pct", "energy/unit"}
          })
        if (t.getValue(k[0]) != null)
          sb.append(", ").append(k[1]).append(" -").append(t.getValue(k[0])).append(" %");
      if (t.getString("source") != null) sb.append("; source: ").append(t.getString("source"));
      return sb.toString();
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

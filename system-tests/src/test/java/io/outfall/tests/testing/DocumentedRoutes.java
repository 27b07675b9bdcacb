package io.outfall.tests.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Every path and method docs/openapi.yaml documents: what the API promises to answer. */
public final class DocumentedRoutes {
  private DocumentedRoutes() {}

  /** A method and a path template, e.g. {@code GET /api/stations/{station}/readings}. */
  public record Route(String method, String path) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  /** Every documented route, in the document's order. */
  public static List<Route> all() throws IOException {
    var paths =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("../docs/openapi.yaml")))
            .get("paths");
    List<Route> routes = new ArrayList<>();
    Set<String> methods = Set.of("get", "post", "put", "delete", "patch");
    paths
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> {
                          if (methods.contains(m))
                            routes.add(new Route(m.toUpperCase(), p.getKey()));
                        }));
    return routes;
  }
}

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

  /** {@code {METHOD, /path/{param}}} pairs, in the document's order. */
  public static List<String[]> all() throws IOException {
    var paths =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("../docs/openapi.yaml")))
            .get("paths");
    List<String[]> routes = new ArrayList<>();
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
                            routes.add(new String[] {m.toUpperCase(), p.getKey()});
                        }));
    return routes;
  }
}

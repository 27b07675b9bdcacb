package io.outfall.tests.dashboards;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the Grafana dashboards in {@code dashboards/grafana/dashboards/} the way Grafana would:
 * every panel target and template variable, with the PostgreSQL data source's time macros expanded
 * as Grafana's own expansion does (TimescaleDB or not), and Prometheus expressions with their
 * interval variables filled in.
 */
final class GrafanaDashboards {
  static final Path DIR = Path.of("..", "dashboards", "grafana", "dashboards");

  /** One query of one dashboard: its SQL or PromQL, and where it comes from for messages. */
  record Query(String dashboard, String panel, String datasource, String text) {}

  static List<Query> queries() throws Exception {
    List<Query> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        JsonObject d = new JsonObject(Files.readString(f));
        String name = f.getFileName().toString();
        for (Object v : d.getJsonObject("templating").getJsonArray("list")) {
          JsonObject var = (JsonObject) v;
          out.add(
              new Query(
                  name,
                  "variable $" + var.getString("name"),
                  var.getJsonObject("datasource").getString("type"),
                  var.getString("query")));
        }
        for (Object p : d.getJsonArray("panels")) {
          JsonObject panel = (JsonObject) p;
          JsonArray targets = panel.getJsonArray("targets", new JsonArray());
          for (Object t : targets) {
            JsonObject target = (JsonObject) t;
            String ds = target.getJsonObject("datasource").getString("type");
            String text =
                ds.equals("prometheus") ? target.getString("expr") : target.getString("rawSql");
            out.add(new Query(name, panel.getString("title"), ds, text));
          }
        }
      }
    }
    return out;
  }

  private static final Pattern TIME_GROUP_ALIAS =
      Pattern.compile("\\$__timeGroupAlias\\(([^,]+),\\s*'(\\d+)([smhd])'\\)");
  private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(([^)]+)\\)");

  /** SQL as Grafana's PostgreSQL data source sends it for [from, to] and these variables. */
  static String expandSql(
      String sql, Instant from, Instant to, boolean timescaledb, String station) {
    Matcher m = TIME_GROUP_ALIAS.matcher(sql);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      long seconds =
          Long.parseLong(m.group(2))
              * switch (m.group(3)) {
                case "s" -> 1;
                case "m" -> 60;
                case "h" -> 3600;
                default -> 86400;
              };
      String col = m.group(1).trim();
      String expr =
          timescaledb
              ? "time_bucket('" + seconds + "s'," + col + ")"
              : "floor(extract(epoch from " + col + ")/" + seconds + ")*" + seconds;
      m.appendReplacement(sb, Matcher.quoteReplacement(expr + " AS \"time\""));
    }
    m.appendTail(sb);
    String out =
        TIME_FILTER
            .matcher(sb.toString())
            .replaceAll(
                r ->
                    Matcher.quoteReplacement(
                        r.group(1) + " BETWEEN '" + from + "' AND '" + to + "'"));
    return out.replace("$__timeFrom()", "'" + from + "'")
        .replace("$__timeTo()", "'" + to + "'")
        .replace("$station", station);
  }

  /** PromQL as Grafana sends it, with {@code $__rate_interval} for a short test scrape interval. */
  static String expandPromql(String expr) {
    return expr.replace("$__rate_interval", "30s");
  }
}

package io.outfall.ingest.readings;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.access.Principal;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.QueryParams;
import io.outfall.ingest.http.Responder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The stored readings over HTTP: the parameter catalog, the stations (an operator sees their own
 * sites' only) and a station's readings, raw or in time buckets, paged.
 */
public final class ReadingsApi {
  static final int MAX_RAW_POINTS = 100_000;
  static final int MAX_BUCKETS = 20_000;

  /**
   * What a bucket may say besides its start ({@code ts}), in the answer's order. A client asks for
   * fewer with {@code fields}: the operator page's day of 1-minute buckets draws the mean and marks
   * calibration and faults, and the rest was half of an answer of 1.7 MB for eight parameters.
   */
  enum BucketField {
    MEAN(ReadingQueries.Bucket::mean),
    MIN(ReadingQueries.Bucket::min),
    MAX(ReadingQueries.Bucket::max),
    COUNT(ReadingQueries.Bucket::count),
    VALID(ReadingQueries.Bucket::valid),
    CALIBRATING(ReadingQueries.Bucket::calibrating),
    FAULT(ReadingQueries.Bucket::fault);

    final String key = name().toLowerCase(Locale.ROOT);
    private final Function<ReadingQueries.Bucket, Object> value;

    BucketField(Function<ReadingQueries.Bucket, Object> value) {
      this.value = value;
    }

    /** This field of {@code b}: a Double (null when no valid reading), or an Integer. */
    Object value(ReadingQueries.Bucket b) {
      return value.apply(b);
    }

    /** The fields {@code fields} names (all when null or blank); unknown names are refused. */
    static Set<BucketField> parse(String fields) {
      if (fields == null || fields.isBlank()) return EnumSet.allOf(BucketField.class);
      Set<BucketField> out = EnumSet.noneOf(BucketField.class);
      for (String name : fields.split(",")) {
        BucketField f =
            Arrays.stream(values()).filter(v -> v.key.equals(name.trim())).findFirst().orElse(null);
        if (f == null)
          throw ApiError.badRequest(
              "unknown field '"
                  + name.trim()
                  + "': fields are "
                  + Arrays.stream(values()).map(v -> v.key).collect(Collectors.joining(", ")));
        out.add(f);
      }
      return out;
    }
  }

  private final Responder responder;
  private final ReadingQueries queries;
  private final ParameterCatalog catalog;
  private final StandardsCatalog standards;

  public ReadingsApi(
      Responder responder, DataSource ds, ParameterCatalog catalog, StandardsCatalog standards) {
    this.responder = responder;
    this.queries = new ReadingQueries(ds);
    this.catalog = catalog;
    this.standards = standards;
  }

  public void mount(Router r) {
    r.get("/api/parameters").handler(this::parameters);
    r.get("/api/stations").handler(this::stations);
    r.get("/api/stations/:station/readings").handler(this::readings);
  }

  private void parameters(RoutingContext ctx) {
    JsonArray items = new JsonArray();
    for (ParameterCatalog.Parameter p : catalog.all()) {
      items.add(
          new JsonObject()
              .put("code", p.code())
              .put("unit", p.unit())
              .put("kind", p.kind())
              .put("name_en", p.nameEn())
              .put("name_vi", p.nameVi())
              .put("standards", new JsonArray(standards.usedBy(p.code()))));
    }
    Responder.send(ctx, 200, new JsonObject().put("items", items));
  }

  private void stations(RoutingContext ctx) {
    String site = ctx.request().getParam("site");
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    Principal who = HttpAccess.principal(ctx);
    Set<String> only = who.role() == Role.OPERATOR ? who.sites() : null;
    responder.json(
        ctx,
        () -> {
          List<ReadingQueries.Station> list = queries.stations(site, only, limit + 1, offset);
          JsonArray items = new JsonArray();
          list.stream()
              .limit(limit)
              .forEach(
                  s ->
                      items.add(
                          new JsonObject()
                              .put("code", s.code())
                              .put("site", s.site())
                              .put("name", s.name())
                              .put("gateway", s.gateway())
                              .put("first_reading", s.firstReading())
                              .put("last_reading", s.lastReading())
                              .put("parameters", new JsonArray(s.parameters()))));
          JsonObject body =
              new JsonObject().put("items", items).put("limit", limit).put("offset", offset);
          if (list.size() > limit) body.put("next_offset", offset + limit);
          return body;
        });
  }

  private void readings(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    Instant to = QueryParams.instant(ctx, "to", Instant.now());
    Instant from = QueryParams.instant(ctx, "from", to.minus(Duration.ofHours(24)));
    if (!from.isBefore(to)) throw ApiError.badRequest("from must be before to");
    Duration step = QueryParams.step(ctx);
    ZoneId zone = QueryParams.zone(ctx);
    String fieldsParam = ctx.request().getParam("fields");
    if (step == null && fieldsParam != null)
      throw ApiError.badRequest("fields chooses what a bucket says: it needs a step");
    Set<BucketField> fields = BucketField.parse(fieldsParam);
    int limit = QueryParams.intParam(ctx, "limit", 10_000, 1, MAX_RAW_POINTS);
    if (step != null && Duration.between(from, to).dividedBy(step) > MAX_BUCKETS) {
      throw ApiError.badRequest(
          "from..to at step "
              + step
              + " makes more than "
              + MAX_BUCKETS
              + " buckets: use a larger step");
    }
    List<ParameterCatalog.Parameter> params = new ArrayList<>();
    String wanted = ctx.request().getParam("parameter");
    if (wanted != null && !wanted.isBlank()) {
      for (String code : wanted.split(",")) {
        ParameterCatalog.Parameter p = catalog.byCode(code.trim());
        if (p == null)
          throw ApiError.badRequest(
              "unknown parameter '" + code.trim() + "' (see /api/parameters)");
        params.add(p);
      }
    }
    Instant origin = LocalDate.of(2000, 1, 1).atStartOfDay(zone).toInstant();
    responder.encoded(
        ctx,
        () -> {
          Integer id = queries.stationId(station);
          if (id == null) throw ApiError.notFound("unknown station '" + station + "'");
          List<ParameterCatalog.Parameter> ps = params;
          if (ps.isEmpty()) {
            ps = new ArrayList<>();
            for (short p : queries.parametersOf(id)) ps.add(catalog.byId(p));
          }
          List<Short> ids = ps.stream().map(ParameterCatalog.Parameter::id).toList();
          if (step != null) {
            var buckets = queries.buckets(id, ids, from, to, step, origin);
            List<ChartJson.Series<ReadingQueries.Bucket>> series = new ArrayList<>();
            for (ParameterCatalog.Parameter p : ps)
              series.add(new ChartJson.Series<>(p, buckets.get(p.id())));
            return ChartJson.buckets(
                new ChartJson.Header(station, from, to, step.toString(), zone.getId(), null),
                series,
                fields);
          }
          var raws = queries.raw(id, ids, from, to, limit + 1);
          List<ChartJson.Series<ReadingQueries.RawPoint>> series = new ArrayList<>();
          Instant next = null;
          for (ParameterCatalog.Parameter p : ps) {
            var raw = raws.get(p.id());
            if (raw.size() > limit) {
              raw = raw.subList(0, limit);
              Instant after = raw.get(raw.size() - 1).ts().plusMillis(1);
              next = next == null || after.isBefore(next) ? after : next;
            }
            series.add(new ChartJson.Series<>(p, raw));
          }
          return ChartJson.raw(
              new ChartJson.Header(station, from, to, "raw", zone.getId(), next), series);
        });
  }
}

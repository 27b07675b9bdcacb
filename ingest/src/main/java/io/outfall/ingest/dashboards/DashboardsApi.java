package io.outfall.ingest.dashboards;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.access.Principal;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.QueryParams;
import io.outfall.ingest.http.Responder;
import io.outfall.ingest.readings.ReadingQueries;
import io.outfall.ingest.registry.SamplingPlans;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboards read: the regulator's overview, a plant's KPIs and compliance report (JSON or
 * CSV), and the live feed as Server-Sent Events. Handlers stay on the event loop; queries run on
 * worker threads.
 */
public final class DashboardsApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardsApi.class);

  /** Plants report in Vietnam's time unless the caller asks otherwise. */
  public static final ZoneId PLANT_ZONE = ZoneId.of("Asia/Ho_Chi_Minh");

  private final Vertx vertx;
  private final Responder responder;
  private final ReadingQueries readings;
  private final Overview overview;
  private final OverviewKeeper keeper;
  private final OverviewWriter overviewWriter = new OverviewWriter();
  private final PlantKpis kpis;
  private final KpiTargets targets;
  private final TargetBoard board;
  private final long boardTimer;
  private final Optional<GridEmissionFactor> grid;
  private final Meters meters;
  private final ComplianceReport reports;
  private final LiveFeed feed;
  private final SamplingPlans plans;
  private final AtomicInteger liveClients;

  public DashboardsApi(
      Vertx vertx, Responder responder, DataSource ds, MeterRegistry registry, Settings settings) {
    this.vertx = vertx;
    this.targets = new KpiTargets(ds, KpiTargets.provinceDefault(settings));
    this.grid = GridEmissionFactor.from(settings);
    this.responder = responder;
    this.readings = new ReadingQueries(ds);
    this.plans = new SamplingPlans(ds);
    this.overview = new Overview(ds, plans);
    // from the start: the first answer after a start finds the plans measured, the rows counted
    this.keeper = new OverviewKeeper(overview, Clock.systemUTC());
    this.kpis = new PlantKpis(ds);
    this.board = new TargetBoard(ds, kpis, targets, PLANT_ZONE, Clock.systemUTC());
    refreshBoard();
    this.boardTimer =
        vertx.setPeriodic(
            Duration.ofMinutes(TargetBoard.EVERY_MINUTES).toMillis(), t -> refreshBoard());
    this.meters = new Meters(ds);
    this.reports = new ComplianceReport(ds, plans);
    this.feed = new LiveFeed(vertx, ds);
    this.liveClients = new AtomicInteger();
    Gauge.builder("outfall.live.clients", liveClients, AtomicInteger::get)
        .description("Pages connected to the live feed (/api/live)")
        .register(registry);
    FunctionCounter.builder("outfall.overview.frame.loads", overview, Overview::frameLoads)
        .description(
            "Times the overview read the registry and the alerts, or the alerts alone, again (an"
                + " announcement said they changed, or a minute passed); every other answer used"
                + " what it kept")
        .register(registry);
    FunctionCounter.builder("outfall.overview.rows.computed", overview, Overview::rowsComputed)
        .description(
            "Stations' overview rows computed (a station reported, fell silent, its alerts or the"
                + " periods counted moved); every other row was kept from before")
        .register(registry);
  }

  public void mount(Router r) {
    r.get("/api/overview").handler(this::overview);
    r.get("/api/stations/:station/kpis").handler(this::kpis);
    for (KpiTargets.Scope scope : KpiTargets.Scope.values()) {
      String path = "/api/" + (scope == KpiTargets.Scope.PLANT ? "plants" : "clusters");
      r.route(path + "/:code/targets").handler(BodyHandler.create().setBodyLimit(8 * 1024));
      r.get(path + "/:code/targets").handler(ctx -> target(ctx, scope));
      r.put(path + "/:code/targets").handler(ctx -> putTarget(ctx, scope));
      r.delete(path + "/:code/targets").handler(ctx -> removeTarget(ctx, scope));
    }
    r.route("/api/stations/:station/meters*").handler(BodyHandler.create().setBodyLimit(8 * 1024));
    r.get("/api/stations/:station/meters").handler(this::meters);
    r.put("/api/stations/:station/meters/:parameter").handler(this::putMeter);
    r.post("/api/stations/:station/meters/:parameter/changes").handler(this::recordMeterChange);
    r.get("/api/stations/:station/report").handler(this::report);
    r.get("/api/live").handler(this::live);
  }

  /** On the API's worker pool; a failure is logged and the last board stays. */
  private void refreshBoard() {
    responder
        .blocking(
            () -> {
              board.refresh();
              return null;
            })
        .onFailure(e -> log.warn("targets: the overview's board not refreshed: {}", e.toString()));
  }

  private void overview(RoutingContext ctx) {
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = QueryParams.intParam(ctx, "limit", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
    Principal who = HttpAccess.principal(ctx);
    responder.encoded(
        ctx,
        () -> {
          Overview.Result all = overview.at(Instant.now());
          // an operator sees the part about their own sites, judged on that part alone
          Overview.Result seen =
              who.role() == Role.OPERATOR ? Overview.within(all, who::sees) : all;
          return overviewWriter.write(seen, offset, limit, board.bySite());
        });
  }

  private void kpis(RoutingContext ctx) {
    ZoneId zone = QueryParams.zone(ctx, PLANT_ZONE);
    int days = QueryParams.intParam(ctx, "days", 30, 1, 366);
    Instant now = Instant.now();
    LocalDate today = LocalDate.now(zone);
    Instant from = today.minusDays(days - 1L).atStartOfDay(zone).toInstant();
    Instant baseTo = QueryParams.instant(ctx, "baseline_to", from);
    Instant baseFrom =
        QueryParams.instant(ctx, "baseline_from", baseTo.minus(Duration.between(from, now)));
    if (!baseFrom.isBefore(baseTo))
      throw ApiError.badRequest("baseline_from must be before baseline_to");
    Instant midnight = LocalDate.of(2000, 1, 1).atStartOfDay(zone).toInstant();
    String station = ctx.pathParam("station");
    LocalDate asOf = QueryParams.date(ctx, "as_of", today);
    if (asOf.isAfter(today)) throw ApiError.badRequest("as_of is a day not after today");
    // the year so far reads a year of meter readings (docs/performance.md): a page that shows
    // the month asks for the month alone
    String periods = ctx.request().getParam("periods", "month,quarter,year");
    if (!periods.equals("month,quarter,year") && !periods.equals("month"))
      throw ApiError.badRequest("periods is month,quarter,year (the default) or month");
    boolean monthOnly = periods.equals("month");
    responder.json(
        ctx,
        () -> {
          int id = stationId(station);
          return DashboardsJson.kpis(
              station,
              zone,
              kpis.compute(id, from, now, baseFrom, baseTo, midnight),
              kpis.progress(id, targets, asOf, zone, now, monthOnly),
              grid);
        });
  }

  /**
   * A plant's or cluster's own target (404 when it has none; the station's KPIs say which applies).
   */
  private void target(RoutingContext ctx, KpiTargets.Scope scope) {
    String code = ctx.pathParam("code");
    responder.json(
        ctx,
        () ->
            DashboardsJson.target(
                targets
                    .of(scope, code)
                    .orElseThrow(
                        () ->
                            ApiError.notFound(
                                "no target set for "
                                    + scope.name().toLowerCase()
                                    + " "
                                    + code
                                    + " itself"))));
  }

  /**
   * {@code {"baseline_from": "2025-01-01", "baseline_to": "2026-01-01", "energy_per_m3_pct": 6,
   * "chemical_per_m3_pct": 8, "energy_per_unit_pct": null, "product_unit": "t", "source": "..."}}
   */
  private void putTarget(RoutingContext ctx, KpiTargets.Scope scope) {
    JsonBody b = JsonBody.of(ctx, true);
    String code = ctx.pathParam("code");
    String by = HttpAccess.actor(ctx);
    TargetJudgement.Target t =
        new TargetJudgement.Target(
            scope.name().toLowerCase(),
            code,
            b.date("baseline_from"),
            b.date("baseline_to"),
            b.decimal("energy_per_m3_pct"),
            b.decimal("chemical_per_m3_pct"),
            b.decimal("energy_per_unit_pct"),
            b.text("product_unit"),
            b.text("source"));
    responder.json(
        ctx,
        () -> {
          targets.put(scope, code, t, by);
          refreshBoard();
          return DashboardsJson.target(targets.of(scope, code).orElseThrow());
        });
  }

  private void removeTarget(RoutingContext ctx, KpiTargets.Scope scope) {
    String code = ctx.pathParam("code");
    responder.json(
        ctx,
        () -> {
          boolean removed = targets.remove(scope, code);
          refreshBoard();
          return new JsonObject().put("removed", removed);
        });
  }

  /** The station's meters as recorded: rollovers and replacements. */
  private void meters(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    responder.json(ctx, () -> DashboardsJson.meters(station, meters.of(stationId(station))));
  }

  /** {@code {"rollover": 100000}}, or null for a counter that does not start again from zero. */
  private void putMeter(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String station = ctx.pathParam("station");
    String by = HttpAccess.actor(ctx);
    responder.json(
        ctx,
        () -> {
          int id = stationId(station);
          meters.setRollover(id, ctx.pathParam("parameter"), b.decimal("rollover"), by);
          return DashboardsJson.meters(station, meters.of(id));
        });
  }

  /**
   * {@code {"at": "2026-11-20T03:00:00Z", "old_final": 120345.5, "new_start": 12.0, "note":
   * "..."}}: the meter was replaced at {@code at}.
   */
  private void recordMeterChange(RoutingContext ctx) {
    JsonBody b = JsonBody.of(ctx, true);
    String station = ctx.pathParam("station");
    String by = HttpAccess.actor(ctx);
    Instant at;
    try {
      at = Instant.parse(b.required("at"));
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest("at: an ISO-8601 instant, e.g. 2026-11-20T03:00:00Z");
    }
    Double oldFinal = b.decimal("old_final");
    Double newStart = b.decimal("new_start");
    if (oldFinal == null || newStart == null)
      throw ApiError.badRequest(
          "old_final and new_start are required: the old meter's last value"
              + " and the new one's first");
    Meters.Change change = new Meters.Change(at, oldFinal, newStart, b.text("note"), by, null);
    responder.json(
        ctx,
        201,
        () -> {
          int id = stationId(station);
          meters.recordChange(id, ctx.pathParam("parameter"), change);
          return DashboardsJson.meters(station, meters.of(id));
        });
  }

  private static final Pattern QUARTER = Pattern.compile("(\\d{4})-[Qq]([1-4])");

  /**
   * {@code month=2026-11} (a local calendar month, cut at now), {@code quarter=2026-Q3}, or {@code
   * from}/{@code to}; {@code format=csv} for a spreadsheet, {@code format=pdf} (with {@code
   * lang=vi|en}) to file.
   */
  private void report(RoutingContext ctx) {
    ZoneId zone = QueryParams.zone(ctx, PLANT_ZONE);
    String month = ctx.request().getParam("month");
    String quarter = ctx.request().getParam("quarter");
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant from;
    Instant to;
    String periodName;
    if (month != null && !month.isBlank()) {
      YearMonth ym;
      try {
        ym = YearMonth.parse(month.trim());
      } catch (DateTimeParseException e) {
        throw ApiError.badRequest("month must be YYYY-MM, got '" + month + "'");
      }
      from = ym.atDay(1).atStartOfDay(zone).toInstant();
      to = ym.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
      periodName = ym.toString();
    } else if (quarter != null && !quarter.isBlank()) {
      Matcher q = QUARTER.matcher(quarter.trim());
      if (!q.matches())
        throw ApiError.badRequest("quarter must be YYYY-Qn (n from 1 to 4), got '" + quarter + "'");
      LocalDate first =
          LocalDate.of(Integer.parseInt(q.group(1)), Integer.parseInt(q.group(2)) * 3 - 2, 1);
      from = first.atStartOfDay(zone).toInstant();
      to = first.plusMonths(3).atStartOfDay(zone).toInstant();
      periodName = quarter.trim().toUpperCase(Locale.ROOT);
    } else {
      from = QueryParams.instant(ctx, "from", LocalDate.now(zone).atStartOfDay(zone).toInstant());
      to = QueryParams.instant(ctx, "to", now);
      periodName = null;
    }
    if (to.isAfter(now)) to = now;
    if (!from.isBefore(to))
      throw ApiError.badRequest("the period must start before now and before its end");
    if (Duration.between(from, to).toDays() > 366)
      throw ApiError.badRequest("a report covers at most 366 days");
    String format = ctx.request().getParam("format", "json").toLowerCase(Locale.ROOT);
    if (!format.equals("json") && !format.equals("csv") && !format.equals("pdf"))
      throw ApiError.badRequest("format must be json, csv or pdf, got '" + format + "'");
    String lang = ctx.request().getParam("lang", "vi").toLowerCase(Locale.ROOT);
    if (!lang.equals("vi") && !lang.equals("en"))
      throw ApiError.badRequest("lang must be vi or en, got '" + lang + "'");
    String station = ctx.pathParam("station");
    Instant f = from;
    Instant t = to;
    // the targets as judged on the report's last day: a whole past month is met or missed
    LocalDate lastDay = LocalDate.ofInstant(t.minusMillis(1), zone);
    responder
        .blocking(
            () -> {
              int id = stationId(station);
              ComplianceReport.Result rep = reports.build(station, id, f, t);
              Optional<PlantKpis.Progress> progress =
                  kpis.progress(id, targets, lastDay, zone, now, true);
              // laid out here, on the worker: a PDF is CPU work the event loop must not do
              byte[] pdf =
                  format.equals("pdf")
                      ? ReportPdf.render(
                          rep,
                          progress,
                          periodName != null ? periodName : f + " – " + t,
                          lang.equals("vi") ? ReportPdf.Lang.VI : ReportPdf.Lang.EN,
                          zone,
                          now)
                      : null;
              return new ReportedMonth(rep, progress, pdf);
            })
        .onSuccess(
            made -> {
              ComplianceReport.Result rep = made.report();
              String name =
                  ("outfall-" + station + "-" + (periodName != null ? periodName : f.toString()))
                      .replace(':', '-');
              if (format.equals("csv")) {
                ctx.response()
                    .putHeader("content-type", "text/csv; charset=utf-8")
                    .putHeader("content-disposition", Responder.attachment(name + ".csv"))
                    .end(DashboardsJson.reportCsv(rep, made.targets(), zone));
              } else if (format.equals("pdf")) {
                ctx.response()
                    .putHeader("content-type", "application/pdf")
                    .putHeader(
                        "content-disposition", Responder.attachment(name + "-" + lang + ".pdf"))
                    .end(Buffer.buffer(made.pdf()));
              } else {
                Responder.send(
                    ctx,
                    200,
                    DashboardsJson.report(rep, zone).put("targets", made.targetsJson(zone, grid)));
              }
            })
        .onFailure(ctx::fail);
  }

  /** A report and the plant's month against its target (empty: none applies). */
  private record ReportedMonth(
      ComplianceReport.Result report, Optional<PlantKpis.Progress> targets, byte[] pdf) {
    JsonObject targetsJson(ZoneId zone, Optional<GridEmissionFactor> grid) {
      return targets.map(p -> DashboardsJson.progress(p, zone, grid)).orElse(null);
    }
  }

  /**
   * Server-Sent Events: {@code readings} (the newest reading of each parameter of a stored batch),
   * {@code alert} (an alert opened, worsened, acknowledged or resolved) and {@code reconnected}
   * (notices may have been missed: refetch). {@code station} narrows the stream to one plant.
   */
  private void live(RoutingContext ctx) {
    String station = ctx.request().getParam("station");
    var res = ctx.response();
    res.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
    res.write("retry: 3000\n: connected\n\n");
    liveClients.incrementAndGet();
    MessageConsumer<String> consumer =
        vertx
            .eventBus()
            .consumer(
                LiveFeed.ADDRESS,
                m -> {
                  String about = m.headers().get(LiveFeed.STATION);
                  if (station != null && about != null && !station.equals(about)) return;
                  // A client that cannot keep up skips notices instead of growing our memory; it
                  // catches up with the next one (tiles) or on its next refetch (charts).
                  if (res.writeQueueFull()) return;
                  res.write(m.body());
                });
    long keepAlive = vertx.setPeriodic(15_000, id -> res.write(": keep-alive\n\n"));
    res.closeHandler(
        v -> {
          liveClients.decrementAndGet();
          consumer.unregister();
          vertx.cancelTimer(keepAlive);
        });
  }

  private int stationId(String station) throws SQLException {
    Integer id = readings.stationId(station);
    if (id == null) throw ApiError.notFound("unknown station '" + station + "'");
    return id;
  }

  @Override
  public void close() throws InterruptedException {
    vertx.cancelTimer(boardTimer);
    feed.close();
    keeper.close();
    overview.close();
    plans.close();
  }
}

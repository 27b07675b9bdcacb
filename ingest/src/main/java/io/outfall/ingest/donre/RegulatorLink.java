package io.outfall.ingest.donre;

import io.micrometer.core.instrument.MeterRegistry;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.http.ApiError;
import io.outfall.ingest.http.JsonBody;
import io.outfall.ingest.http.QueryParams;
import io.outfall.ingest.http.Responder;
import io.outfall.ingest.intake.BatchValidator;
import io.outfall.ingest.intake.IntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.sql.DataSource;

/**
 * The regulator link: the environment department's files, sent ({@link Transmitter}), received from
 * legacy loggers ({@link LoggerIntake}) and made on demand, and their API. See docs/regulator.md.
 */
public final class RegulatorLink implements AutoCloseable {
  /** The longest range one export covers. */
  static final Duration MAX_EXPORT = Duration.ofDays(31);

  private final DataSource ds;
  private final DonreSettings settings;
  private final FileMaker maker;
  private final Responder responder;
  private final IntakeFiles intakeFiles;
  private final Transmitter transmitter;
  private final LoggerIntake intake;

  private RegulatorLink(
      DataSource ds,
      DonreSettings settings,
      FileMaker maker,
      Responder responder,
      Transmitter transmitter,
      LoggerIntake intake) {
    this.ds = ds;
    this.settings = settings;
    this.maker = maker;
    this.responder = responder;
    this.intakeFiles = new IntakeFiles(ds);
    this.transmitter = transmitter;
    this.intake = intake;
  }

  /** What the intake's pipeline gives the logger intake: the same checks and storage as MQTT. */
  public record Pipeline(BatchValidator validator, ReadingWriter writer, IntakeMetrics metrics) {}

  /**
   * Starts what the settings ask for: transmission when {@code donre.ftp-url} is set, the logger
   * intake when {@code donre.intake-ftp-port} is; the export and status API always.
   *
   * @param alerts where a station whose files are behind gets its alert, or null (alerting off)
   */
  public static RegulatorLink start(
      DonreSettings settings,
      DataSource ds,
      ParameterCatalog catalog,
      BrokerAccounts accounts,
      Pipeline pipeline,
      AlertStore alerts,
      MeterRegistry registry,
      Responder responder)
      throws Exception {
    Intervals intervals = new Intervals(settings.interval(), settings.zone());
    FileMaker maker = new FileMaker(settings, intervals, catalog);
    RegulatorMetrics metrics = new RegulatorMetrics(registry);
    Transmitter transmitter = null;
    if (settings.transmits()) {
      transmitter =
          new Transmitter(ds, settings, intervals, maker, alerts, metrics, Clock.systemUTC());
      transmitter.start();
    }
    LoggerIntake intake = null;
    if (settings.intakeOn()) {
      intake =
          new LoggerIntake(
              ds,
              settings,
              intervals,
              accounts,
              catalog,
              pipeline.validator(),
              pipeline.writer(),
              pipeline.metrics(),
              metrics);
      intake.start();
    }
    return new RegulatorLink(ds, settings, maker, responder, transmitter, intake);
  }

  /** The intake's FTP port (the one bound when the setting was 0), or -1 when it is off. */
  public int intakePort() {
    return intake == null ? -1 : intake.port();
  }

  public void mount(Router r) {
    r.route("/api/stations/:station/transmission").handler(BodyHandler.create().setBodyLimit(4096));
    r.get("/api/stations/:station/transmission").handler(this::status);
    r.put("/api/stations/:station/transmission").handler(this::switchStation);
    r.get("/api/export/donre").handler(this::export);
    r.get("/api/donre/quarantine").handler(this::quarantine);
    r.get("/api/donre/quarantine/:id/file").handler(this::quarantinedFile);
  }

  private void status(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    responder.json(
        ctx,
        () -> {
          try (Connection c = ds.getConnection()) {
            Outbox.Status s =
                Outbox.status(c, station)
                    .orElseThrow(() -> ApiError.notFound("unknown station '" + station + "'"));
            return new JsonObject()
                .put("station", station)
                .put("transmits", s.transmits() && settings.transmits())
                .put("switch", s.switched())
                .put("has_permit", s.hasPermit())
                .put("link", settings.transmits() ? settings.target().toString() : null)
                .put("interval_seconds", settings.interval().getSeconds())
                .put(
                    "last_sent",
                    s.lastFile() == null
                        ? null
                        : new JsonObject()
                            .put("file", s.lastFile())
                            .put("interval_end", s.lastIntervalEnd())
                            .put("sent_at", s.lastSentAt()))
                .put("backlog", s.backlog())
                .put("oldest_unsent_interval_end", s.oldestUnsentEnd())
                .put("last_error", s.lastError())
                .put("last_attempt_at", s.lastAttemptAt());
          }
        });
  }

  /** {@code {"transmit": true|false|null}}: switched on, off, or back to the default (a permit). */
  private void switchStation(RoutingContext ctx) {
    String station = ctx.pathParam("station");
    JsonBody body = JsonBody.of(ctx, true);
    if (!body.has("transmit"))
      throw ApiError.badRequest("transmit is required: true, false, or null for the default");
    Boolean transmit = body.flagOrNull("transmit");
    responder.json(
        ctx,
        () -> {
          try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            if (!Outbox.setSwitch(c, station, transmit))
              throw ApiError.notFound("unknown station '" + station + "'");
            c.commit();
          }
          return new JsonObject().put("station", station).put("switch", transmit);
        });
  }

  /** A zip of the station's files for [from, to), as they would have been sent. */
  private void export(RoutingContext ctx) {
    String station = ctx.request().getParam("station");
    if (station == null || station.isBlank()) throw ApiError.badRequest("station is required");
    Instant to = QueryParams.instant(ctx, "to", Instant.now());
    Instant from = QueryParams.instant(ctx, "from", to.minus(Duration.ofDays(1)));
    if (!from.isBefore(to)) throw ApiError.badRequest("from must be before to");
    if (Duration.between(from, to).compareTo(MAX_EXPORT) > 0)
      throw ApiError.badRequest("an export covers at most " + MAX_EXPORT.toDays() + " days");
    responder
        .blocking(
            () -> {
              List<FileMaker.Made> files;
              try (Connection c = ds.getConnection()) {
                FileMaker.Station st =
                    Outbox.station(c, station)
                        .orElseThrow(() -> ApiError.notFound("unknown station '" + station + "'"));
                files = maker.files(c, st, from, to);
              }
              return zip(files);
            })
        .onSuccess(
            zip ->
                ctx.response()
                    .putHeader("content-type", "application/zip")
                    .putHeader(
                        "content-disposition", Responder.attachment("donre-" + station + ".zip"))
                    .end(Buffer.buffer(zip)))
        .onFailure(ctx::fail);
  }

  private static byte[] zip(List<FileMaker.Made> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (FileMaker.Made f : files) {
        ZipEntry entry = new ZipEntry(f.name());
        entry.setTime(f.end().toEpochMilli()); // the same range exports to the same bytes
        zip.putNextEntry(entry);
        zip.write(f.content());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private void quarantine(RoutingContext ctx) {
    int limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
    int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    responder.json(
        ctx,
        () -> {
          List<IntakeFiles.Kept> kept = intakeFiles.quarantine(limit, offset);
          JsonArray items = new JsonArray();
          kept.stream()
              .limit(limit)
              .forEach(
                  k ->
                      items.add(
                          new JsonObject()
                              .put("id", k.id())
                              .put("received_at", k.receivedAt())
                              .put("account", k.account())
                              .put("site", k.site())
                              .put("file", k.fileName())
                              .put("bytes", k.size())
                              .put("reason", k.reason())
                              .put("detail", k.detail())
                              .put("readings_stored", k.readings())));
          JsonObject body =
              new JsonObject().put("items", items).put("limit", limit).put("offset", offset);
          if (kept.size() > limit) body.put("next_offset", offset + limit);
          return body;
        });
  }

  private void quarantinedFile(RoutingContext ctx) {
    long id = QueryParams.pathNumber(ctx, "id");
    responder
        .blocking(
            () -> intakeFiles.file(id).orElseThrow(() -> ApiError.notFound("no intake file " + id)))
        .onSuccess(
            f ->
                ctx.response()
                    .putHeader("content-type", "application/octet-stream")
                    .putHeader("content-disposition", Responder.attachment(f.fileName()))
                    .end(Buffer.buffer(f.content())))
        .onFailure(ctx::fail);
  }

  @Override
  public void close() throws InterruptedException {
    if (intake != null) intake.close();
    if (transmitter != null) transmitter.close();
  }
}

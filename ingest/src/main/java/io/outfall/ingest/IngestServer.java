package io.outfall.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.access.AdminToken;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.alerts.Alerting;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.dashboards.DashboardsApi;
import io.outfall.ingest.dashboards.Meters;
import io.outfall.ingest.deploy.ConfigVersions;
import io.outfall.ingest.deploy.DeployApi;
import io.outfall.ingest.deploy.GatewayTags;
import io.outfall.ingest.deploy.Rollouts;
import io.outfall.ingest.deploy.SigningKey;
import io.outfall.ingest.donre.DonreSettings;
import io.outfall.ingest.donre.RegulatorLink;
import io.outfall.ingest.fleet.DroppedReadingsAlerts;
import io.outfall.ingest.fleet.GatewayFleet;
import io.outfall.ingest.fleet.ReportedMeterChanges;
import io.outfall.ingest.http.Responder;
import io.outfall.ingest.intake.BatchValidator;
import io.outfall.ingest.intake.FollowerBacklog;
import io.outfall.ingest.intake.IntakePipeline;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.MqttIntake;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.ingest.readings.ReadingsApi;
import io.outfall.ingest.registry.HeldReadings;
import io.outfall.ingest.registry.Registry;
import io.outfall.ingest.registry.RegistryApi;
import io.outfall.ingest.storage.Database;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyStoreOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingest instance: database, intake, alerting, fleet, deployment and the HTTP server, wired
 * together and nothing else. Several can run against the same broker and database; the shared
 * subscription splits the messages between them.
 */
public final class IngestServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestServer.class);

  /** What {@link #close} stops, in that order. */
  private final List<AutoCloseable> stopOrder;

  private final Database database;
  private final HttpServer http;
  private final Router router;
  private final int donreIntakePort;
  private final MeterRegistry metrics;

  private IngestServer(
      List<AutoCloseable> stopOrder,
      Database database,
      HttpServer http,
      Router router,
      int donreIntakePort,
      MeterRegistry metrics) {
    this.stopOrder = stopOrder;
    this.metrics = metrics;
    this.database = database;
    this.http = http;
    this.router = router;
    this.donreIntakePort = donreIntakePort;
  }

  /** Starts everything; blocks until the HTTP port is bound and the broker connected. */
  public static IngestServer start(Settings s) throws Exception {
    PrometheusMeterRegistry registry = ServerMetrics.registry();
    Database database =
        Database.open(
            s.get(Setting.DB_URL),
            s.get(Setting.DB_USER),
            s.get(Setting.DB_PASSWORD),
            s.getInt(Setting.DB_POOL_SIZE),
            Duration.ofMinutes(2));
    ParameterCatalog catalog = database.parameters();
    String standardsDir = s.get(Setting.ALERTS_STANDARDS_DIR);
    StandardsCatalog standards =
        StandardsCatalog.load(standardsDir.isBlank() ? null : Path.of(standardsDir));
    List<String> unjudged = standards.mismatches(catalog);
    if (!unjudged.isEmpty()) // an extra standard names what intake refuses: say so, do not stop
    log.warn("standards name parameters the server cannot judge: {}", unjudged);
    boolean alertsOn = Boolean.parseBoolean(s.get(Setting.ALERTS_ENABLED));
    DonreSettings donre = DonreSettings.of(s); // checked before anything starts

    // intake: broker -> validate -> writer -> database, acknowledged after the commit
    MicrometerIntakeMetrics metrics = new MicrometerIntakeMetrics(registry);
    int receiveMaximum = s.getInt(Setting.MQTT_RECEIVE_MAXIMUM);
    ReadingWriter writer =
        new ReadingWriter(
            database.dataSource(),
            catalog,
            new StationDirectory(
                StationDirectory.Unregistered.of(s.get(Setting.REGISTRY_UNREGISTERED_STATIONS))),
            metrics,
            receiveMaximum + 16, // every message the broker may have out to us: never blocks
            s.getInt(Setting.INGEST_BATCH_MAX_READINGS),
            s.getInt(Setting.INGEST_LINGER_MS),
            alertsOn,
            // a reading older than its file's making time may change a file already sent
            donre.transmits() ? donre.grace() : null);
    writer.start();
    BatchValidator validator =
        new BatchValidator(
            catalog,
            Clock.systemUTC(),
            Duration.ofDays(s.getInt(Setting.INGEST_MAX_PAST_DAYS)),
            Duration.ofSeconds(s.getInt(Setting.INGEST_MAX_FUTURE_SECONDS)));
    String clientId = s.get(Setting.MQTT_CLIENT_ID);
    if (clientId.isBlank()) {
      // a service account may connect only under its own name as prefix (BrokerAccount)
      String user = s.get(Setting.MQTT_USERNAME);
      clientId =
          (user.isBlank() ? "outfall-ingest" : user)
              + "-"
              + InetAddress.getLocalHost().getHostName();
    }
    MqttIntake intake =
        new MqttIntake(
            new MqttIntake.Options(
                s.get(Setting.MQTT_URL),
                clientId,
                s.get(Setting.MQTT_USERNAME),
                s.get(Setting.MQTT_PASSWORD),
                s.get(Setting.MQTT_SHARED_GROUP),
                s.getInt(Setting.MQTT_SESSION_EXPIRY_SECONDS),
                receiveMaximum),
            new IntakePipeline(metrics, validator, writer));
    metrics.bindConnection(intake::connected, writer::databaseUp);
    // what waits for the writer's followers, on every instance, leading or not
    FollowerBacklog backlog = new FollowerBacklog(database.dataSource(), registry).start();

    // the HTTP side: one event loop set, one worker pool for every API's blocking work
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    Responder responder = new Responder(vertx, s.getInt(Setting.DB_POOL_SIZE));
    Alerting alerting =
        alertsOn ? Alerting.start(s, database, catalog, standards, responder, registry) : null;
    if (alerting != null) writer.handOffTo(alerting.handoff());
    GatewayFleet fleet =
        new GatewayFleet(
            s.get(Setting.MQTT_URL),
            clientId,
            s.get(Setting.MQTT_USERNAME),
            s.get(Setting.MQTT_PASSWORD),
            registry);
    new ReportedMeterChanges(fleet, new Meters(database.dataSource()), responder, registry);
    DashboardsApi dashboards =
        new DashboardsApi(vertx, responder, database.dataSource(), registry, s);
    ConfigVersions configs = new ConfigVersions(database.dataSource());
    SigningKey signingKey = new SigningKey(Path.of(s.get(Setting.DEPLOY_SIGNING_KEY_FILE)));
    GatewayTags tags = new GatewayTags(database.dataSource());
    Rollouts rollouts = new Rollouts(database.dataSource(), configs, signingKey, fleet, tags);
    DeployApi deploy =
        new DeployApi(
            responder,
            database.dataSource(),
            configs,
            rollouts,
            tags,
            signingKey,
            s.getInt(Setting.DEPLOY_ACK_TIMEOUT_SECONDS));
    RegulatorLink regulator =
        RegulatorLink.start(
            donre,
            database.dataSource(),
            catalog,
            new BrokerAccounts(database.dataSource()),
            new RegulatorLink.Pipeline(validator, writer, metrics),
            alerting == null ? null : alerting.store(),
            registry,
            responder);
    DroppedReadingsAlerts drops =
        alerting == null
            ? null
            : new DroppedReadingsAlerts(
                    database.dataSource(),
                    fleet::drops,
                    alerting.store(),
                    alerting::leading,
                    Clock.systemUTC())
                .start();
    HttpAccess access =
        new HttpAccess(
            responder,
            database.dataSource(),
            AdminToken.ofSetting(s.get(Setting.HTTP_ADMIN_TOKEN_FILE)),
            !s.get(Setting.HTTP_TLS_KEYSTORE).isBlank());
    List<Consumer<Router>> apis = new ArrayList<>();
    apis.add(new ReadingsApi(responder, database.dataSource(), catalog, standards)::mount);
    apis.add(
        new RegistryApi(
                responder,
                new Registry(database.dataSource()),
                new HeldReadings(database.dataSource(), writer))
            ::mount);
    if (alerting != null) apis.add(alerting::mount);
    apis.addAll(List.of(fleet::mount, dashboards::mount, deploy::mount, regulator::mount));
    ApiRouter api =
        new ApiRouter(
            vertx,
            database,
            registry,
            new ApiRouter.HealthSources(
                intake::connected,
                intake.url(),
                writer::databaseUp,
                writer::queuedMessages,
                backlog::last),
            access,
            apis);
    Router router = api.router();
    HttpServer http =
        vertx
            .createHttpServer(httpOptions(s))
            .invalidRequestHandler(IngestServer::refuseUnreadable)
            .requestHandler(router)
            .listen(s.getInt(Setting.HTTP_PORT), s.get(Setting.HTTP_HOST))
            .await();
    log.info("HTTP on port {}", http.actualPort());
    intake.start();

    // Stopping loses nothing in this order: stop taking messages, commit and acknowledge what is
    // queued, disconnect; then the features, the HTTP side, and the database last.
    List<AutoCloseable> stopOrder = new ArrayList<>();
    stopOrder.add(intake::pause);
    stopOrder.add(regulator); // no more files taken from loggers, none sent
    stopOrder.add(writer);
    stopOrder.add(intake);
    if (drops != null) stopOrder.add(drops);
    if (alerting != null) stopOrder.add(alerting);
    stopOrder.addAll(List.of(rollouts, fleet, dashboards, api, responder));
    stopOrder.add(() -> vertx.close().await());
    stopOrder.add(backlog);
    stopOrder.add(database);
    return new IngestServer(stopOrder, database, http, router, regulator.intakePort(), registry);
  }

  /** HTTPS when a keystore is configured ({@code http.tls-keystore}), else plain HTTP. */
  private static HttpServerOptions httpOptions(Settings s) {
    // HTTP/1.1 only in clear text: Vert.x would upgrade a connection to HTTP/2 (h2c) when asked, as
    // the JDK's HttpClient does by default, and such an upgraded connection once handed a client a
    // large /metrics answer it read as a broken HTTP/2 frame. Nothing here gains from h2c (the live
    // feed is server-sent events); a client asking for it is answered in HTTP/1.1.
    HttpServerOptions o = new HttpServerOptions().setHttp2ClearTextEnabled(false);
    // Answers compressed for clients that accept gzip or deflate: a station's day of chart buckets
    // is 1 MB of JSON, and a regulator's link may be a provincial office's. Level 1: the two cores
    // are shared with the pipeline, and JSON this repetitive loses most at any level (1 MB to
    // 108 KB; level 6: 90 KB, adding seven times the time). No size threshold: with one, Netty also
    // skipped every answer sent without a length (static files, the live feed).
    int level = s.getInt(Setting.HTTP_COMPRESSION_LEVEL);
    if (level < 0 || level > 9)
      throw new IllegalArgumentException("http.compression-level must be 0 to 9, got " + level);
    if (level > 0) o.setCompressionSupported(true).setCompressionLevel(level);
    String keystore = s.get(Setting.HTTP_TLS_KEYSTORE).trim();
    if (keystore.isEmpty()) return o;
    if (!Files.isReadable(Path.of(keystore)))
      throw new IllegalArgumentException("http.tls-keystore: cannot read " + keystore);
    String lower = keystore.toLowerCase(Locale.ROOT);
    String type = lower.endsWith(".jks") ? "JKS" : "PKCS12";
    return o.setSsl(true)
        .setKeyCertOptions(
            new KeyStoreOptions()
                .setType(type)
                .setPath(keystore)
                .setPassword(s.get(Setting.HTTP_TLS_KEYSTORE_PASSWORD)));
  }

  /**
   * A request the HTTP layer could not read (a request line or headers over their limits, a broken
   * head): answered as Vert.x does by default (414, 431, else 400) and the connection closed, but
   * saying so ({@code Connection: close}). Without it a keep-alive client may send its next request
   * on the connection being closed and see it fail unanswered (a PUT or POST is not retried).
   */
  private static void refuseUnreadable(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    HttpResponseStatus status =
        cause instanceof TooLongHttpLineException
            ? HttpResponseStatus.REQUEST_URI_TOO_LONG
            : cause instanceof TooLongHttpHeaderException
                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
    request
        .response()
        .setStatusCode(status.code())
        .putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .end(
            new JsonObject().put("error", status.reasonPhrase().toLowerCase(Locale.ROOT)).encode());
    request.connection().close();
  }

  public int httpPort() {
    return http.actualPort();
  }

  /** The port legacy loggers upload to ({@code donre.intake-ftp-port}), or -1 when it is off. */
  public int donreIntakePort() {
    return donreIntakePort;
  }

  /** The paths the HTTP API answers, OpenAPI style ({@code /api/alerts/{id}}), for its document. */
  public SortedSet<String> apiPaths() {
    SortedSet<String> paths = new TreeSet<>();
    for (Route route : router.getRoutes())
      if (route.methods() != null && route.getPath() != null)
        paths.add(route.getPath().replaceAll(":([A-Za-z_]+)", "{$1}"));
    return paths;
  }

  public Database database() {
    return database;
  }

  /** Its meters, as /metrics shows them: for benchmarks that break a latency down. */
  public MeterRegistry metrics() {
    return metrics;
  }

  /**
   * Stops in the order that loses nothing: stop taking messages, commit and ack what is queued,
   * then disconnect.
   */
  @Override
  public void close() throws Exception {
    for (AutoCloseable part : stopOrder) part.close();
  }
}

package io.outfall.ingest;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outfall.ingest.alerting.Alerting;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.dashboards.DashboardsApi;
import io.outfall.ingest.deploy.ConfigVersions;
import io.outfall.ingest.deploy.DeployApi;
import io.outfall.ingest.deploy.GatewayTags;
import io.outfall.ingest.deploy.Rollouts;
import io.outfall.ingest.deploy.SigningKey;
import io.outfall.ingest.gateways.GatewayFleet;
import io.outfall.ingest.http.HttpApi;
import io.outfall.ingest.intake.BatchValidator;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.MqttIntake;
import io.outfall.ingest.storage.Database;
import io.outfall.ingest.storage.ParameterCatalog;
import io.outfall.ingest.storage.ReadingWriter;
import io.outfall.ingest.storage.StationDirectory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingest instance: database, writer, MQTT intake and HTTP server, wired together. Several can
 * run against the same broker and database; the shared subscription splits the messages between
 * them.
 */
public final class IngestServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestServer.class);

  private final Database database;
  private final Alerting alerting;
  private final GatewayFleet fleet;
  private final DashboardsApi dashboards;
  private final Rollouts rollouts;
  private final ReadingWriter writer;
  private final MqttIntake intake;
  private final Vertx vertx;
  private final HttpServer http;
  private final Router router;

  private IngestServer(
      Database database,
      Alerting alerting,
      GatewayFleet fleet,
      DashboardsApi dashboards,
      Rollouts rollouts,
      ReadingWriter writer,
      MqttIntake intake,
      Vertx vertx,
      HttpServer http,
      Router router) {
    this.database = database;
    this.alerting = alerting;
    this.writer = writer;
    this.intake = intake;
    this.vertx = vertx;
    this.http = http;
    this.router = router;
    this.fleet = fleet;
    this.dashboards = dashboards;
    this.rollouts = rollouts;
  }

  /** Starts everything; blocks until the HTTP port is bound and the broker connected. */
  public static IngestServer start(Settings s) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Keep /metrics clean for `promtool check metrics`: process_cpu_time_ns_total carries an
    // abbreviated unit (process_cpu_usage says the same), and a gauge may not end in _count.
    registry
        .config()
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
              }
            });
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);

    Database database =
        Database.open(
            s.get(Setting.DB_URL),
            s.get(Setting.DB_USER),
            s.get(Setting.DB_PASSWORD),
            s.getInt(Setting.DB_POOL_SIZE),
            Duration.ofMinutes(2));
    ParameterCatalog catalog = ParameterCatalog.load(database.dataSource());
    var metrics = new MicrometerIntakeMetrics(registry);
    int receiveMaximum = s.getInt(Setting.MQTT_RECEIVE_MAXIMUM);
    // The queue holds every message the broker may have outstanding, so submitting never blocks.
    ReadingWriter writer =
        new ReadingWriter(
            database.dataSource(),
            new StationDirectory(),
            metrics,
            receiveMaximum + 16,
            s.getInt(Setting.INGEST_BATCH_MAX_READINGS),
            s.getInt(Setting.INGEST_LINGER_MS),
            Boolean.parseBoolean(s.get(Setting.ALERTS_ENABLED)));
    writer.start();
    BatchValidator validator =
        new BatchValidator(
            catalog,
            Clock.systemUTC(),
            Duration.ofDays(s.getInt(Setting.INGEST_MAX_PAST_DAYS)),
            Duration.ofSeconds(s.getInt(Setting.INGEST_MAX_FUTURE_SECONDS)));

    String clientId = s.get(Setting.MQTT_CLIENT_ID);
    if (clientId.isBlank()) clientId = "outfall-ingest-" + InetAddress.getLocalHost().getHostName();
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
            delivery -> {
              metrics.received(delivery.payload().length);
              try {
                writer.submit(validator.validate(delivery));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    metrics.bindConnection(intake::connected, writer::databaseUp);

    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    Alerting alerting =
        Boolean.parseBoolean(s.get(Setting.ALERTS_ENABLED))
            ? Alerting.start(s, database, catalog, vertx)
            : null;
    GatewayFleet fleet =
        new GatewayFleet(
            s.get(Setting.MQTT_URL),
            clientId,
            s.get(Setting.MQTT_USERNAME),
            s.get(Setting.MQTT_PASSWORD),
            registry);
    DashboardsApi dashboards = new DashboardsApi(vertx, database.dataSource(), registry);
    ConfigVersions configs = new ConfigVersions(database.dataSource());
    SigningKey signingKey =
        new SigningKey(java.nio.file.Path.of(s.get(Setting.DEPLOY_SIGNING_KEY_FILE)));
    GatewayTags tags = new GatewayTags(database.dataSource());
    Rollouts rollouts = new Rollouts(database.dataSource(), configs, signingKey, fleet, tags);
    DeployApi deploy =
        new DeployApi(
            vertx,
            database.dataSource(),
            configs,
            rollouts,
            tags,
            signingKey,
            s.getInt(Setting.DEPLOY_ACK_TIMEOUT_SECONDS));
    HttpApi api =
        new HttpApi(
            vertx,
            database,
            catalog,
            registry,
            new HttpApi.HealthSources(
                intake::connected, intake.url(), writer::databaseUp, writer::queuedMessages),
            new io.outfall.ingest.access.HttpAccess(
                vertx, database.dataSource(), adminToken(s.get(Setting.HTTP_ADMIN_TOKEN_FILE))),
            r -> {
              if (alerting != null) alerting.mount(r);
              fleet.mount(r);
              dashboards.mount(r);
              deploy.mount(r);
            });
    Router router = api.router();
    HttpServer http =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(s.getInt(Setting.HTTP_PORT), s.get(Setting.HTTP_HOST))
            .await();
    log.info("HTTP on port {}", http.actualPort());
    intake.start();
    return new IngestServer(
        database, alerting, fleet, dashboards, rollouts, writer, intake, vertx, http, router);
  }

  public int httpPort() {
    return http.actualPort();
  }

  /** The paths the HTTP API answers, OpenAPI style ({@code /api/alerts/{id}}), for its document. */
  public java.util.SortedSet<String> apiPaths() {
    java.util.SortedSet<String> paths = new java.util.TreeSet<>();
    for (var route : router.getRoutes())
      if (route.methods() != null && route.getPath() != null)
        paths.add(route.getPath().replaceAll(":([A-Za-z_]+)", "{$1}"));
    return paths;
  }

  public Database database() {
    return database;
  }

  /**
   * Stops in the order that loses nothing: stop taking messages, commit and ack what is queued,
   * then disconnect.
   */
  @Override
  public void close() throws Exception {
    intake.pause();
    writer.close();
    intake.close();
    if (alerting != null) alerting.close();
    rollouts.close();
    fleet.close();
    dashboards.close();
    vertx.close().await();
    database.close();
  }

  private static String adminToken(String file) throws java.io.IOException {
    return file.isBlank()
        ? null
        : io.outfall.ingest.access.AdminToken.loadOrCreate(java.nio.file.Path.of(file));
  }
}

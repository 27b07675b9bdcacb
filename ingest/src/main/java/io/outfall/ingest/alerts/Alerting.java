package io.outfall.ingest.alerts;

import io.micrometer.core.instrument.MeterRegistry;
import io.outfall.compliance.evaluation.EvaluationSettings;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.standards.ExceedanceBands;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.alerts.notify.AlertmanagerNotifier;
import io.outfall.ingest.alerts.notify.EmailNotifier;
import io.outfall.ingest.alerts.notify.Notifier;
import io.outfall.ingest.alerts.notify.WebhookNotifier;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import io.outfall.ingest.http.Responder;
import io.outfall.ingest.intake.NewReadings;
import io.outfall.ingest.storage.Database;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The alerting feature of ingest: permits, the compliance engine, notifications and their API. */
public final class Alerting implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Alerting.class);

  private final ComplianceEngine engine;
  private final NotificationDispatcher dispatcher;
  private final AlertsApi api;
  private final AlertStore store;

  private Alerting(
      ComplianceEngine engine, NotificationDispatcher dispatcher, AlertsApi api, AlertStore store) {
    this.engine = engine;
    this.dispatcher = dispatcher;
    this.api = api;
    this.store = store;
  }

  /** Where other parts of the server raise and end their alerts (the regulator link's). */
  public AlertStore store() {
    return store;
  }

  public static Alerting start(
      Settings s,
      Database db,
      ParameterCatalog parameters,
      StandardsCatalog catalog,
      Responder responder,
      MeterRegistry registry)
      throws Exception {
    PermitStore permits = new PermitStore(db.dataSource(), catalog);
    String permitsDir = s.get(Setting.ALERTS_PERMITS_DIR);
    if (!permitsDir.isBlank()) permits.importDirectory(Path.of(permitsDir));

    List<Notifier> notifiers = new ArrayList<>();
    if (!s.get(Setting.ALERTS_SMTP_HOST).isBlank() && !s.get(Setting.ALERTS_EMAIL_TO).isBlank()) {
      notifiers.add(
          new EmailNotifier(
              s.get(Setting.ALERTS_SMTP_HOST),
              s.getInt(Setting.ALERTS_SMTP_PORT),
              s.get(Setting.ALERTS_EMAIL_FROM),
              s.get(Setting.ALERTS_EMAIL_TO)));
    }
    if (!s.get(Setting.ALERTS_WEBHOOK_URL).isBlank()) {
      if (s.get(Setting.ALERTS_WEBHOOK_SECRET).isBlank())
        throw new IllegalArgumentException(
            "alerts.webhook-secret is required with alerts.webhook-url: webhooks are always signed");
      notifiers.add(
          new WebhookNotifier(
              s.get(Setting.ALERTS_WEBHOOK_URL), s.get(Setting.ALERTS_WEBHOOK_SECRET)));
    }
    if (!s.get(Setting.ALERTS_ALERTMANAGER_URL).isBlank())
      notifiers.add(new AlertmanagerNotifier(s.get(Setting.ALERTS_ALERTMANAGER_URL)));
    Set<String> families =
        Arrays.stream(s.get(Setting.ALERTS_NOTIFY).split(","))
            .map(String::trim)
            .filter(f -> !f.isEmpty())
            .collect(Collectors.toSet());
    AlertStore store = new AlertStore(families, notifiers.stream().map(Notifier::channel).toList());
    log.info(
        "alerting: notify {} via {}", families, notifiers.stream().map(Notifier::channel).toList());

    NotificationDispatcher dispatcher =
        new NotificationDispatcher(
            db.dataSource(), notifiers, parameters, s.get(Setting.ALERTS_PUBLIC_URL));
    dispatcher.start();
    EvaluationSettings evaluation =
        EvaluationSettings.defaults()
            .withWindowGrace(Duration.ofSeconds(s.getInt(Setting.ALERTS_WINDOW_GRACE_SECONDS)));
    ComplianceEngine engine =
        new ComplianceEngine(
            db.dataSource(),
            permits,
            store,
            parameters,
            ExceedanceBands.shipped(),
            evaluation,
            Duration.ofMinutes(s.getInt(Setting.ALERTS_ESCALATE_AFTER_MINUTES)),
            new MicrometerComplianceMetrics(registry),
            s.getInt(Setting.ALERTS_REJUDGE_SLICE_READINGS),
            dispatcher::wakeUp);
    engine.start();
    return new Alerting(
        engine, dispatcher, new AlertsApi(responder, db.dataSource(), permits), store);
  }

  public void mount(Router router) {
    api.mount(router);
  }

  /** For the writer: its readings handed over while this instance's engine leads. */
  public NewReadings.Handoff handoff() {
    return engine.handoff();
  }

  public boolean leading() {
    return engine.leader();
  }

  @Override
  public void close() throws InterruptedException {
    engine.close();
    dispatcher.close();
  }
}

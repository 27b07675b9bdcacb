package io.outfall.ingest.config;

import java.util.Locale;

/**
 * Every setting of the server, its default and its meaning: the one place to look. Each is read, in
 * order of precedence, from a command-line override, the environment variable {@link #envName()}
 * (e.g. {@code OUTFALL_MQTT_URL}), the YAML config file (nested keys, e.g. {@code mqtt: {url:
 * ...}}), then the default.
 */
public enum Setting {
  HTTP_HOST("http.host", "0.0.0.0", "address the HTTP server binds"),
  HTTP_PORT("http.port", "8080", "HTTP port of the API, web UI and /metrics"),
  HTTP_TLS_KEYSTORE(
      "http.tls-keystore",
      "",
      "the server's key and certificate chain (PKCS#12 .p12/.pfx, or JKS): HTTPS on http.port and"
          + " Secure session cookies (empty: plain HTTP, e.g. behind a proxy that terminates TLS)"),
  HTTP_TLS_KEYSTORE_PASSWORD("http.tls-keystore-password", "", "password of http.tls-keystore"),
  HTTP_COMPRESSION_LEVEL(
      "http.compression-level",
      "1",
      "gzip/deflate level of answers to clients that accept it (browsers, Prometheus): 1 fastest"
          + " to 9 smallest; 0 never compresses"),
  HTTP_ADMIN_TOKEN_FILE(
      "http.admin-token-file",
      "",
      "file holding a token that acts as admin everywhere; created (mode 600) if missing;"
          + " empty: none (create users with 'outfall users add')"),

  MQTT_URL("mqtt.url", "tcp://127.0.0.1:1883", "broker URL (tcp:// or ssl://)"),
  MQTT_USERNAME("mqtt.username", "", "broker user name (empty: none)"),
  MQTT_PASSWORD("mqtt.password", "", "broker password"),
  MQTT_CLIENT_ID(
      "mqtt.client-id",
      "",
      "client id; empty: <mqtt.username>-<host name> (outfall-ingest-<host name> without a user)."
          + " Keep it stable; a service account may use only ids beginning with its name"),
  MQTT_SHARED_GROUP("mqtt.shared-group", "outfall-ingest", "shared subscription group of ingests"),
  MQTT_SESSION_EXPIRY_SECONDS(
      "mqtt.session-expiry-seconds", "604800", "how long the broker queues for a stopped ingest"),
  MQTT_RECEIVE_MAXIMUM(
      "mqtt.receive-maximum", "64", "unacknowledged messages the broker may send us: backpressure"),

  DB_URL(
      "db.url", "jdbc:postgresql://127.0.0.1:5432/outfall", "JDBC URL of PostgreSQL/TimescaleDB"),
  DB_USER("db.user", "outfall", "database user"),
  DB_PASSWORD("db.password", "", "database password"),
  DB_POOL_SIZE(
      "db.pool-size",
      "10",
      "connections in the pool (writer, compliance engine, notifications, API)"),

  INGEST_BATCH_MAX_READINGS(
      "ingest.batch-max-readings", "20000", "most readings written in one transaction"),
  INGEST_LINGER_MS("ingest.linger-ms", "25", "how long the writer waits to fill a transaction"),
  INGEST_MAX_PAST_DAYS(
      "ingest.max-past-days", "90", "readings older than this are refused (gateways keep 60 days)"),
  INGEST_MAX_FUTURE_SECONDS(
      "ingest.max-future-seconds",
      "300",
      "readings further in the future are refused (clock skew)"),

  ALERTS_ENABLED("alerts.enabled", "true", "evaluate stations with a permit and raise alerts"),
  ALERTS_PERMITS_DIR(
      "alerts.permits-dir", "", "permit YAML files imported at start (new versions only)"),
  ALERTS_STANDARDS_DIR(
      "alerts.standards-dir", "", "extra standard files (*.yaml) besides the shipped ones"),
  ALERTS_WINDOW_GRACE_SECONDS(
      "alerts.window-grace-seconds",
      "120",
      "how long late readings are awaited before a window is judged"),
  ALERTS_REJUDGE_SLICE_READINGS(
      "alerts.rejudge-slice-readings",
      "100000",
      "readings replayed per transaction when a station is judged again (late readings)"),
  ALERTS_ESCALATE_AFTER_MINUTES(
      "alerts.escalate-after-minutes", "60", "a breach not acknowledged by then is escalated"),
  ALERTS_NOTIFY(
      "alerts.notify",
      "compliance,data_quality",
      "alert families that notify: compliance, warning, data_quality"),
  ALERTS_PUBLIC_URL(
      "alerts.public-url", "http://127.0.0.1:8080", "base URL used in links in notifications"),
  ALERTS_SMTP_HOST("alerts.smtp-host", "", "SMTP server for e-mail alerts (empty: no e-mail)"),
  ALERTS_SMTP_PORT("alerts.smtp-port", "25", "SMTP port"),
  ALERTS_EMAIL_FROM("alerts.email-from", "outfall@localhost", "sender of alert e-mails"),
  ALERTS_EMAIL_TO("alerts.email-to", "", "recipients of alert e-mails, comma-separated"),
  ALERTS_WEBHOOK_URL(
      "alerts.webhook-url", "", "URL that receives signed JSON alerts (empty: none)"),
  ALERTS_WEBHOOK_SECRET("alerts.webhook-secret", "", "HMAC-SHA256 key for the webhook signature"),
  ALERTS_ALERTMANAGER_URL(
      "alerts.alertmanager-url", "", "Prometheus Alertmanager base URL (empty: none)"),
  DEPLOY_SIGNING_KEY_FILE(
      "deploy.signing-key-file",
      "outfall-config-signing.key",
      "Ed25519 private key that signs deployed gateway configurations (created when missing)"),
  DEPLOY_ACK_TIMEOUT_SECONDS(
      "deploy.ack-timeout-seconds",
      "300",
      "default time a gateway has to acknowledge a deployed configuration"),
  REGISTRY_UNREGISTERED_STATIONS(
      "registry.unregistered-stations",
      "park",
      "readings of a station not in the registry: park (held for an admin to accept), refuse"
          + " (dead letters), or register (under the reporting gateway's site, as the demo does)"),
  DONRE_FTP_URL(
      "donre.ftp-url",
      "",
      "the environment department's FTP server: ftp://user:pass@host:port/dir, or ftps://… for"
          + " explicit TLS (empty: no transmission)"),
  DONRE_FTP_CA_FILE(
      "donre.ftp-ca-file",
      "",
      "with ftps://: the CA(s) the department's certificate must chain to, PEM (empty: the JVM's)"),
  DONRE_INTERVAL_SECONDS(
      "donre.interval-seconds",
      "300",
      "one file per station per interval, on boundaries of the plant's wall clock"),
  DONRE_GRACE_SECONDS(
      "donre.grace-seconds",
      "30",
      "how long after an interval ends its file is made (readings still on their way)"),
  DONRE_PROVINCE("donre.province", "HaNoi", "province in the file names"),
  DONRE_FILE_NAME(
      "donre.file-name",
      "{province}_{site}_{station}_{time}.txt",
      "file name pattern; {time} is the local yyyyMMddHHmmss"),
  DONRE_SYMBOLS_FILE(
      "donre.symbols-file",
      "",
      "the province's parameter symbols and units (YAML; empty: the shipped default)"),
  DONRE_ENCODING("donre.encoding", "UTF-8", "character encoding of the files"),
  DONRE_LINE_ENDING("donre.line-ending", "LF", "line ending of the files: LF or CRLF"),
  DONRE_ZONE("donre.zone", "Asia/Ho_Chi_Minh", "the plants' time zone: file times are local"),
  DONRE_VALUE(
      "donre.value",
      "last",
      "a line's value: last (the interval's last reading) or mean (of its measuring readings)"),
  DONRE_BEHIND_ALERT_MINUTES(
      "donre.behind-alert-minutes",
      "30",
      "a data-quality alert when a station's oldest unsent file is older than this"),
  DONRE_INTAKE_FTP_PORT(
      "donre.intake-ftp-port",
      "",
      "FTP port where legacy loggers upload files, logging in with gateway broker accounts (empty:"
          + " off)"),
  DONRE_INTAKE_HOST("donre.intake-host", "0.0.0.0", "address the intake FTP server binds"),
  DONRE_INTAKE_PASSIVE_PORTS(
      "donre.intake-passive-ports",
      "",
      "the intake's passive data ports, e.g. 30000-30100 (empty: any free port)"),
  DONRE_INTAKE_KEYSTORE(
      "donre.intake-keystore",
      "",
      "the intake's key and certificate (PKCS#12 or JKS): FTPS with explicit TLS, required for"
          + " logins and transfers (empty: plain FTP)"),
  DONRE_INTAKE_KEYSTORE_PASSWORD(
      "donre.intake-keystore-password", "", "password of donre.intake-keystore"),
  DONRE_INTAKE_DIR(
      "donre.intake-dir",
      "outfall-donre-intake",
      "where uploads land until they are stored in the database"),
  KPI_TARGET_ENERGY_PCT(
      "kpi.target-energy-per-m3-pct",
      "",
      "province default: % less energy per m3 treated than in kpi.target-baseline (empty: none;"
          + " a plant's or cluster's own target comes first)"),
  KPI_TARGET_CHEMICAL_PCT(
      "kpi.target-chemical-per-m3-pct",
      "",
      "province default: % less chemical per m3 treated than in kpi.target-baseline (empty: none)"),
  KPI_TARGET_PRODUCT_PCT(
      "kpi.target-energy-per-product-pct",
      "",
      "province default: % less energy per unit of product than in kpi.target-baseline (empty:"
          + " none)"),
  KPI_TARGET_BASELINE(
      "kpi.target-baseline",
      "",
      "baseline of the province's default targets: two local dates FROM/TO (TO excluded), e.g."
          + " 2024-01-01/2025-01-01"),
  KPI_TARGET_SOURCE(
      "kpi.target-source",
      "",
      "the programme or decision the province's default targets are taken from (shown with them)"),
  KPI_GRID_EMISSION_FACTOR(
      "kpi.grid-emission-factor",
      "",
      "kg CO2e per kWh drawn from the grid, as the ministry publishes for the year (empty: no"
          + " greenhouse-gas intensity is shown)"),
  KPI_GRID_EMISSION_FACTOR_SOURCE(
      "kpi.grid-emission-factor-source",
      "",
      "where kpi.grid-emission-factor is published (document, year), shown with every figure");

  private final String key;
  private final String defaultValue;
  private final String description;

  Setting(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String key() {
    return key;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  /** {@code mqtt.receive-maximum} → {@code OUTFALL_MQTT_RECEIVE_MAXIMUM}. */
  public String envName() {
    return "OUTFALL_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}

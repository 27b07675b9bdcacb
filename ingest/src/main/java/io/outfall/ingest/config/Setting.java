package io.outfall.ingest.config;

/**
 * Every setting of the server, its default and its meaning: the one place to look. Each is read, in
 * order of precedence, from a command-line override, the environment variable {@link #envName()}
 * (e.g. {@code OUTFALL_MQTT_URL}), the YAML config file (nested keys, e.g. {@code mqtt: {url:
 * ...}}), then the default.
 */
public enum Setting {
  HTTP_HOST("http.host", "0.0.0.0", "address the HTTP server binds"),
  HTTP_PORT("http.port", "8080", "HTTP port of the API, web UI and /metrics"),

  MQTT_URL("mqtt.url", "tcp://127.0.0.1:1883", "broker URL (tcp:// or ssl://)"),
  MQTT_USERNAME("mqtt.username", "", "broker user name (empty: none)"),
  MQTT_PASSWORD("mqtt.password", "", "broker password"),
  MQTT_CLIENT_ID(
      "mqtt.client-id", "", "client id; empty: outfall-ingest-<host name>. Keep it stable"),
  MQTT_SHARED_GROUP("mqtt.shared-group", "outfall-ingest", "shared subscription group of ingests"),
  MQTT_SESSION_EXPIRY_SECONDS(
      "mqtt.session-expiry-seconds", "604800", "how long the broker queues for a stopped ingest"),
  MQTT_RECEIVE_MAXIMUM(
      "mqtt.receive-maximum", "64", "unacknowledged messages the broker may send us: backpressure"),

  DB_URL(
      "db.url", "jdbc:postgresql://127.0.0.1:5432/outfall", "JDBC URL of PostgreSQL/TimescaleDB"),
  DB_USER("db.user", "outfall", "database user"),
  DB_PASSWORD("db.password", "", "database password"),
  DB_POOL_SIZE("db.pool-size", "6", "connections in the pool (writer + API queries)"),

  INGEST_BATCH_MAX_READINGS(
      "ingest.batch-max-readings", "20000", "most readings written in one transaction"),
  INGEST_LINGER_MS("ingest.linger-ms", "25", "how long the writer waits to fill a transaction"),
  INGEST_MAX_PAST_DAYS(
      "ingest.max-past-days", "90", "readings older than this are refused (gateways keep 60 days)"),
  INGEST_MAX_FUTURE_SECONDS(
      "ingest.max-future-seconds",
      "300",
      "readings further in the future are refused (clock skew)");

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
    return "OUTFALL_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}

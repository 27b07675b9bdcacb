package io.outfall.ingest.fleet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.regex.Pattern;

/**
 * What an external Mosquitto says of refusals and takeovers, read from the log lines it publishes
 * on {@code $SYS/broker/log/…} ({@code log_dest topic}, which {@code outfall gateways
 * export-mosquitto} sets): refused logins count in {@code outfall_broker_refused_total} as the
 * embedded broker's do, and a client id taken over by a second connection in {@code
 * outfall_broker_takeovers_total}. With ids tied to accounts a takeover is one account connected
 * twice: a gateway whose old connection the broker has not yet given up, or its password in use
 * somewhere else.
 *
 * <p>What Mosquitto 2.0 does not say this way: why a login was refused (one message for all), and
 * denied publishes and subscriptions (logged at debug level, which never goes to the topic;
 * src/logging.c) — those are in its own log file only.
 */
final class BrokerLog {
  static final String TOPIC_PREFIX = "$SYS/broker/log/";

  /** The levels that carry what is counted: notice (refusals) and error (takeovers). */
  static final String[] TOPICS = {TOPIC_PREFIX + "N", TOPIC_PREFIX + "E"};

  /** What a line says, if it is one that is counted. */
  enum Event {
    LOGIN_REFUSED,
    TAKEOVER,
    OTHER
  }

  // src/loop.c and src/handle_connect.c of Mosquitto 2.0: "<time>: Client <id> …"
  private static final Pattern REFUSED =
      Pattern.compile("(?:^\\d+: )?Client \\S+ disconnected, not authorised\\.$");
  private static final Pattern TAKEOVER =
      Pattern.compile("(?:^\\d+: )?Client \\S+ already connected, closing old connection\\.$");

  private final Counter refused;
  private final Counter takeovers;

  BrokerLog(MeterRegistry registry) {
    refused =
        Counter.builder("outfall.broker.refused")
            .description("what the broker refused, by attempt and reason")
            .tag("action", "connect")
            .tag("reason", "not_authorised")
            .register(registry);
    takeovers =
        Counter.builder("outfall.broker.takeovers")
            .description("connections closed because another connected with the same client id")
            .register(registry);
  }

  static Event parse(String line) {
    String l = line.strip();
    if (REFUSED.matcher(l).matches()) return Event.LOGIN_REFUSED;
    if (TAKEOVER.matcher(l).matches()) return Event.TAKEOVER;
    return Event.OTHER;
  }

  void line(String line) {
    switch (parse(line)) {
      case LOGIN_REFUSED -> refused.increment();
      case TAKEOVER -> takeovers.increment();
      default -> {}
    }
  }
}

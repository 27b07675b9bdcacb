package io.outfall.ingest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.outfall.ingest.access.HttpAccess;
import io.outfall.ingest.access.Principal;
import io.outfall.ingest.http.Responder;
import io.outfall.protocol.PayloadException;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.ConfigAck;
import io.outfall.protocol.transport.MessageCallback;
import io.outfall.protocol.transport.MqttConnect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateways say about themselves: every ingest instance reads every gateway's retained
 * status message (online/offline, buffer depth, readings dropped, the gateway's clock, the last
 * config acknowledgement) and shows it as metrics and at {@code GET /api/gateways}.
 *
 * <p>Clock skew: a gateway stamps its readings with its own clock, so a wrong clock misplaces every
 * reading in time. Each fresh (not retained) status message carries the gateway's clock; the
 * difference to this server's clock on arrival, less a transit of milliseconds, is the skew.
 */
public final class GatewayFleet implements MessageCallback, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayFleet.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Past this the gateway's clock is called wrong in the log (the metric is always there). */
  static final long SKEW_WARN_MS = 30_000;

  private final MeterRegistry registry;
  private final BrokerLog brokerLog;
  private final MqttAsyncClient client;
  private final Map<String, Seen> gateways = new ConcurrentHashMap<>();
  private final Map<String, ConfigAck> lastAcks = new ConcurrentHashMap<>();
  private final List<BiConsumer<String, ConfigAck>> ackListeners = new CopyOnWriteArrayList<>();
  private final List<BiConsumer<Topics.Address, JsonNode>> statusListeners =
      new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * One gateway as last heard of. Fields are written by Paho's thread, read by HTTP and metrics.
   */
  static final class Seen {
    final String site;
    final String gateway;
    volatile JsonNode status = JSON.createObjectNode();
    volatile String state = "unknown";
    volatile long heardAtMs;
    volatile Long skewMs;
    volatile boolean skewLogged;

    Seen(String site, String gateway) {
      this.site = site;
      this.gateway = gateway;
    }

    long number(String field) {
      return status.path("status").path(field).asLong();
    }
  }

  public GatewayFleet(
      String url, String clientId, String username, String password, MeterRegistry registry)
      throws Exception {
    this.registry = registry;
    this.brokerLog = new BrokerLog(registry);
    this.client = new MqttAsyncClient(url, clientId + "-fleet", new MemoryPersistence());
    client.setCallback(this);
    // ingest must start even while the broker is down: the fleet catches up when it comes
    MqttConnect.nowOrInBackground(
        client, MqttConnect.options(url, username, password), () -> closed);
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    try {
      client.subscribe(Topics.ROOT + "/+/+/" + Topics.Kind.STATUS.suffix(), 0);
      // QoS 1: an acknowledgement decides a rollout; retained ones tell a restarted server where
      // each gateway stands.
      client.subscribe(Topics.ROOT + "/+/+/" + Topics.Kind.CONFIG_ACK.suffix(), 1);
      // a Mosquitto with log_dest topic tells of refusals and takeovers (none elsewhere)
      for (String t : BrokerLog.TOPICS) client.subscribe(t, 0);
    } catch (Exception e) {
      log.warn("gateway status: subscribe failed: {}", e.toString());
    }
  }

  @Override
  public void messageArrived(String topic, MqttMessage m) {
    long now = System.currentTimeMillis();
    if (m.getPayload().length == 0) return;
    if (topic.startsWith(BrokerLog.TOPIC_PREFIX)) {
      brokerLog.line(new String(m.getPayload(), StandardCharsets.UTF_8));
      return;
    }
    if (topic.endsWith("/" + Topics.Kind.CONFIG_ACK.suffix())) {
      configAck(topic, m.getPayload());
      return;
    }
    Topics.Address at;
    JsonNode status;
    try {
      at = Topics.parse(topic);
      status = JSON.readTree(m.getPayload());
    } catch (Exception e) {
      log.debug("gateway status on {} not readable: {}", topic, e.toString());
      return;
    }
    Seen s = gateways.computeIfAbsent(at.site() + "/" + at.gateway(), k -> register(at));
    for (BiConsumer<Topics.Address, JsonNode> l : statusListeners) l.accept(at, status);
    s.status = status;
    s.state = status.path("state").asText("unknown");
    s.heardAtMs = now;
    long clock = status.path("clock_ms").asLong(0);
    if (!m.isRetained() && clock > 0) { // a retained one may be hours old: no measure of skew
      s.skewMs = now - clock;
      if (Math.abs(s.skewMs) > SKEW_WARN_MS && !s.skewLogged) {
        log.warn(
            "gateway {}/{}: its clock is {} s {} this server's; its readings are misplaced in time",
            s.site,
            s.gateway,
            Math.abs(s.skewMs) / 1000,
            s.skewMs > 0 ? "behind" : "ahead of");
        s.skewLogged = true;
      } else if (Math.abs(s.skewMs) <= SKEW_WARN_MS) {
        s.skewLogged = false;
      }
    }
  }

  private Seen register(Topics.Address at) {
    Seen s = new Seen(at.site(), at.gateway());
    Tags tags = Tags.of("site", at.site(), "gateway", at.gateway());
    Gauge.builder("outfall.gateway.online", s, x -> "online".equals(x.state) ? 1 : 0)
        .tags(tags)
        .description("1 while the gateway's last status says online (its will says offline)")
        .register(registry);
    Gauge.builder("outfall.gateway.buffered.readings", s, x -> x.number("buffered"))
        .tags(tags)
        .description("Readings waiting in the gateway's buffer, as it last said")
        .register(registry);
    FunctionCounter.builder("outfall.gateway.readings.dropped", s, x -> x.number("dropped"))
        .tags(tags)
        .description("Readings the gateway dropped because its buffer or disk was full")
        .register(registry);
    Gauge.builder(
            "outfall.gateway.clock.skew.seconds",
            s,
            x -> x.skewMs == null ? Double.NaN : x.skewMs / 1000.0)
        .tags(tags)
        .description("This server's clock minus the gateway's (positive: the gateway is behind)")
        .register(registry);
    Gauge.builder(
            "outfall.gateway.status.age.seconds",
            s,
            x -> (System.currentTimeMillis() - x.heardAtMs) / 1000.0)
        .tags(tags)
        .description("Seconds since the gateway's last status message (it sends one every 5 s)")
        .register(registry);
    return s;
  }

  private void configAck(String topic, byte[] payload) {
    ConfigAck ack;
    Topics.Address at;
    try {
      at = Topics.parse(topic);
      ack = ConfigAck.decode(payload);
    } catch (RuntimeException | PayloadException e) {
      log.warn("config ack on {} not readable: {}", topic, e.getMessage());
      return;
    }
    lastAcks.put(at.site() + "/" + at.gateway(), ack);
    for (var l : ackListeners) {
      try {
        l.accept(at.site(), ack);
      } catch (RuntimeException e) {
        log.warn("config ack of {}: {}", at.gateway(), e.toString());
      }
    }
  }

  /** Called (on the MQTT client's thread) with every acknowledgement, retained ones included. */
  public void onConfigAck(BiConsumer<String, ConfigAck> listener) {
    ackListeners.add(listener);
  }

  /**
   * Called (on the MQTT client's thread: hand blocking work on) with every status message, retained
   * ones included, with the topic's site and gateway.
   */
  public void onStatus(BiConsumer<Topics.Address, JsonNode> listener) {
    statusListeners.add(listener);
  }

  /** The last acknowledgement heard from a gateway, or null. */
  public ConfigAck lastConfigAck(String site, String gateway) {
    return lastAcks.get(site + "/" + gateway);
  }

  /** The hash of the configuration a gateway's last status says it runs, or null. */
  public String activeConfigHash(String site, String gateway) {
    Seen s = gateways.get(site + "/" + gateway);
    return s == null ? null : s.status.path("status").path("config_hash").asText(null);
  }

  /** Gateways heard of, as {site, gateway}. */
  public List<GatewayId> known() {
    return gateways.values().stream().map(s -> new GatewayId(s.site, s.gateway)).toList();
  }

  /**
   * Publishes a gateway's configuration, retained and QoS 1, so that a gateway offline now gets it
   * when it connects. Blocks until the broker holds it (PUBACK), at most 10 s.
   */
  public void publishConfig(String site, String gateway, byte[] payload) throws MqttException {
    MqttMessage m = new MqttMessage(payload);
    m.setQos(1);
    m.setRetained(true);
    client.publish(Topics.topic(site, gateway, Topics.Kind.CONFIG), m).waitForCompletion(10_000);
  }

  /**
   * {@code GET /api/gateways}: every gateway heard of, by site and id; an operator's own sites'
   * only.
   */
  public void mount(Router r) {
    r.get("/api/gateways")
        .handler(
            ctx -> {
              Principal who = HttpAccess.principal(ctx);
              JsonArray out = new JsonArray();
              gateways.values().stream()
                  .filter(s -> who.sees(s.site))
                  .sorted(Comparator.comparing((Seen s) -> s.site).thenComparing(s -> s.gateway))
                  .forEach(s -> out.add(describe(s)));
              Responder.send(ctx, 200, new JsonObject().put("gateways", out));
            });
  }

  private static JsonObject describe(Seen s) {
    JsonNode st = s.status.path("status");
    return new JsonObject()
        .put("site", s.site)
        .put("gateway", s.gateway)
        .put("state", s.state)
        .put("heard_at", s.heardAtMs == 0 ? null : Instant.ofEpochMilli(s.heardAtMs).toString())
        .put("clock_skew_ms", s.skewMs)
        .put("config_version", st.path("config_version").asText(null))
        .put("buffered", st.path("buffered").asLong())
        .put("dropped", st.path("dropped").asLong())
        .put("dropped_by_age", st.path("dropped_by_age").asLong())
        .put("unacknowledged_batches", st.path("unacknowledged_batches").asLong())
        .put(
            "last_config_ack",
            st.path("last_config_ack").isObject()
                ? new JsonObject(st.path("last_config_ack").toString())
                : null)
        .put(
            "devices",
            st.path("devices").isArray()
                ? new JsonArray(st.path("devices").toString())
                : new JsonArray());
  }

  /** A gateway's drop counters as its last status said them. */
  public record Drops(String site, String gateway, long dropped, long droppedByAge) {}

  /** Every gateway heard of with its drop counters, for the data-quality alert. */
  public List<Drops> drops() {
    List<Drops> out = new ArrayList<>();
    for (Seen s : gateways.values())
      out.add(new Drops(s.site, s.gateway, s.number("dropped"), s.number("dropped_by_age")));
    return out;
  }

  @Override
  public void close() {
    closed = true;
    try {
      if (client.isConnected()) client.disconnect().waitForCompletion(2_000);
      client.close(true);
    } catch (Exception e) {
      log.debug("gateway status: close: {}", e.toString());
    }
  }
}

package io.outfall.gateway.remote;

import io.outfall.gateway.modbus.DevicePoller;
import io.outfall.gateway.modbus.Pollers;
import io.outfall.protocol.config.ConfigAck;
import io.outfall.protocol.config.ConfigAck.Outcome;
import io.outfall.protocol.config.ConfigMessage;
import io.outfall.protocol.config.ConfigSignature;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's configuration as a declarative snapshot that the server can replace: a config
 * message is checked (signed by the server, valid, for this gateway), applied as one switch of the
 * pollers, watched for {@code remote.apply_grace}, and kept only if every new or changed device
 * answered; otherwise the previous snapshot runs again. Every message ends in one acknowledgement:
 * applied, rejected or rolled_back, with the reason.
 *
 * <p>Only the pollers and the uplink's batching change. The buffer is never touched: a
 * configuration applied during a backlog leaves every buffered reading where it was.
 *
 * <p>Runs on its own thread: applying waits for devices, and Paho's callback thread must not.
 */
public final class RemoteConfig implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RemoteConfig.class);

  private final GatewayConfig local;
  private final PublicKey serverKey;
  private final ConfigStore store;
  private final Pollers pollers;
  private final Consumer<GatewayConfig> onSwitch;
  private final Consumer<ConfigAck> acknowledge;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "gateway-config");
            t.setDaemon(true);
            return t;
          });
  private volatile GatewayConfig active;
  private volatile String activeHash;
  private volatile ConfigAck lastAck;

  /**
   * @param local the configuration from the gateway's own file (ids, link, buffer, config key)
   * @param dir where the configuration files live (beside the buffer)
   * @param onSwitch told of every configuration that starts running (to retune the uplink)
   * @param acknowledge publishes an acknowledgement (and again after reconnections)
   */
  public RemoteConfig(
      GatewayConfig local,
      Path dir,
      Pollers pollers,
      Consumer<GatewayConfig> onSwitch,
      Consumer<ConfigAck> acknowledge) {
    this.local = local;
    this.serverKey =
        local.remote().configKey() == null
            ? null
            : ConfigSignature.publicKey(local.remote().configKey());
    this.store = new ConfigStore(dir);
    this.pollers = pollers;
    this.onSwitch = onSwitch;
    this.acknowledge = acknowledge;
    this.active = local;
    this.activeHash = null;
  }

  /**
   * Starts the pollers on the last configuration applied remotely, or on the local one when none
   * was (or it no longer fits the local file). A configuration being tried when the gateway died is
   * answered as rolled back: it is what runs now that is known to work.
   */
  public void start() {
    store
        .active()
        .ifPresent(
            m -> {
              try {
                active = GatewayConfigYaml.parseRemote(m.yaml(), local);
                activeHash = m.hash();
                log.info("config: starting from {} (applied remotely)", active.version());
              } catch (IllegalArgumentException e) {
                log.warn(
                    "config: the remotely applied {} no longer fits the local file ({}); starting"
                        + " from the local configuration {}",
                    m.version(),
                    e.getMessage(),
                    local.version());
              }
            });
    lastAck = store.lastAck().orElse(null);
    store
        .trying()
        .ifPresent(
            m -> {
              answer(
                  m.version(),
                  m.hash(),
                  Outcome.ROLLED_BACK,
                  "the gateway restarted while applying it; " + active.version() + " runs");
              store.clearTrying();
            });
    pollers.switchTo(active.devices());
    onSwitch.accept(active);
    if (lastAck != null) acknowledge.accept(lastAck);
  }

  public GatewayConfig active() {
    return active;
  }

  /** SHA-256 of the active configuration's YAML, or null while the local file runs. */
  public String activeHash() {
    return activeHash;
  }

  public ConfigAck lastAck() {
    return lastAck;
  }

  /** A message from the config topic; handled on the config thread, in arrival order. */
  public void arrived(byte[] payload) {
    if (payload.length == 0) return; // the server cleared the retained config: nothing to do
    worker.execute(() -> handle(payload));
  }

  private void handle(byte[] payload) {
    ConfigMessage m;
    try {
      m = ConfigMessage.decode(payload);
    } catch (IllegalArgumentException e) {
      answer(
          "?",
          ConfigMessage.sha256(new String(payload, StandardCharsets.UTF_8)),
          Outcome.REJECTED,
          e.getMessage());
      return;
    }
    String hash = m.hash();
    ConfigAck answered = lastAck;
    boolean running = hash.equals(activeHash);
    boolean answeredBefore = answered != null && answered.hash().equals(hash);
    if (running || (answeredBefore && answered.outcome() != Outcome.APPLIED)) {
      // Not tried twice, but answered again: a server deploying it again waits for an answer.
      if (answeredBefore) acknowledge.accept(answered);
      else answer(m.version(), hash, Outcome.APPLIED, "running already");
      return;
    }
    String refusal = refusal(m);
    if (refusal != null) {
      answer(m.version(), hash, Outcome.REJECTED, refusal);
      return;
    }
    GatewayConfig next;
    try {
      next = GatewayConfigYaml.parseRemote(m.yaml(), local);
      if (!next.version().equals(m.version()))
        throw new IllegalArgumentException(
            "version: the message says '"
                + m.version()
                + "', the configuration says '"
                + next.version()
                + "'");
    } catch (IllegalArgumentException e) {
      answer(m.version(), hash, Outcome.REJECTED, e.getMessage());
      return;
    }
    apply(m, next);
  }

  /** Why a message must not be applied at all, or null. */
  private String refusal(ConfigMessage m) {
    if (serverKey == null)
      return "remote configuration is off on this gateway (no remote.config_key in its local"
          + " configuration)";
    if (m.signature() == null)
      return "unsigned: this gateway applies only configurations signed by the server";
    if (!ConfigSignature.verify(m, serverKey))
      return "signature does not verify with this gateway's remote.config_key (tampered, or"
          + " signed by another key)";
    return null;
  }

  private void apply(ConfigMessage m, GatewayConfig next) {
    GatewayConfig previous = active;
    log.info("config: applying {} (was {})", next.version(), previous.version());
    store.saveTrying(m);
    List<DevicePoller> started = pollers.switchTo(next.devices());
    active = next;
    onSwitch.accept(next);
    String failure = watch(started, next.remote().applyGrace().toMillis());
    if (failure == null) {
      store.saveActive(m);
      activeHash = m.hash();
      store.clearTrying();
      answer(m.version(), m.hash(), Outcome.APPLIED, null);
      log.info("config: {} applied", next.version());
    } else {
      pollers.switchTo(previous.devices());
      active = previous;
      onSwitch.accept(previous);
      store.clearTrying();
      answer(
          m.version(),
          m.hash(),
          Outcome.ROLLED_BACK,
          failure + "; " + previous.version() + " runs");
      log.warn("config: {} rolled back: {}", next.version(), failure);
    }
  }

  /**
   * Waits until every started poller has had an answer from its device; returns why not, or null.
   * Devices kept from the previous configuration do not count: their health is not this change's.
   */
  private static String watch(List<DevicePoller> started, long graceMs) {
    long deadline = System.currentTimeMillis() + graceMs;
    while (true) {
      DevicePoller waiting =
          started.stream().filter(p -> p.lastSuccessMs() == 0).findFirst().orElse(null);
      if (waiting == null) return null;
      if (System.currentTimeMillis() >= deadline)
        return "device "
            + waiting.name()
            + ": no answer within "
            + graceMs / 1000
            + " s"
            + (waiting.lastError() == null ? "" : " (" + waiting.lastError() + ")");
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "the gateway stopped while the configuration was being watched";
      }
    }
  }

  private void answer(String version, String hash, Outcome outcome, String reason) {
    ConfigAck ack =
        new ConfigAck(local.gateway(), version, hash, outcome, reason, System.currentTimeMillis());
    store.saveAck(ack);
    lastAck = ack;
    acknowledge.accept(ack);
  }

  @Override
  public void close() throws InterruptedException {
    worker.shutdownNow();
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}

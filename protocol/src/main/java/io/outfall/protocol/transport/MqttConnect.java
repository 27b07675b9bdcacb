package io.outfall.protocol.transport;

import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import javax.net.SocketFactory;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.util.CountingInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every Outfall MQTT client connects: the gateway's uplink, ingest's intake and fleet, the
 * demo's publishers, drills, benchmarks and tests. One place for the options they share and for the
 * two things Paho v5 1.2.5 gets wrong by itself:
 *
 * <ul>
 *   <li>it ignores {@code setAutomaticReconnectDelay} (eclipse-paho/paho.mqtt.java#864) and doubles
 *       its delay up to 128 s, so after a 30 s outage a client came back a minute late. {@code
 *       setMaxReconnectDelay} is the setting it reads: the delay doubles from 1 s while below it
 *       (1, 2, 4, then 5 s), so a fleet neither hammers a broker that is coming back nor waits
 *       minutes;
 *   <li>it reconnects automatically only after a first successful connection, so a client that
 *       starts while the broker is down must keep trying itself: {@link #untilConnected} and {@link
 *       #nowOrInBackground}.
 * </ul>
 */
public final class MqttConnect {
  private static final Logger log = LoggerFactory.getLogger(MqttConnect.class);
  static final int MAX_RECONNECT_DELAY_MS = 5_000;
  private static final long FIRST_RETRY_MS = 500;
  private static final long ATTEMPT_TIMEOUT_MS = 15_000;

  private MqttConnect() {}

  /**
   * The client id a gateway connects with, unique across sites (two plants may both call their
   * gateway "gw1"). The broker lets only the gateway's own account use it: an MQTT broker
   * disconnects a client when another connects with the same id, so an id anyone could take would
   * let one plant keep another off the broker.
   */
  public static String gatewayClientId(String site, String gateway) {
    return "gateway-" + site + "-" + gateway;
  }

  /**
   * Whether Paho parses received packets with Outfall's {@link CountingInputStream}, which reads in
   * bulk, rather than its own, which reads byte by byte (about a quarter of a core while a province
   * drains its backlogs). It is Outfall's whenever the {@code protocol} module precedes Paho's jar
   * on the class path, as in every build of Outfall; a false here means a class path assembled
   * otherwise.
   */
  public static boolean receivesInBulk() {
    try {
      CountingInputStream.class.getDeclaredMethod("read", byte[].class, int.class, int.class);
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** {@link #options(String, String, String, SocketFactory)} for plain TCP or the JVM's TLS. */
  public static MqttConnectionOptions options(String url, String username, String password) {
    return options(url, username, password, null);
  }

  /**
   * A clean session that reconnects by itself within seconds, with TCP_NODELAY on {@code tcp://}
   * (PUBACKs and small batches would otherwise sit out the peer's 40 ms delayed-ACK timer, which
   * caps a client at a few hundred messages a second), and a login when {@code username} is given.
   * Callers set what is theirs on top: a persistent session, receive maximum, keep-alive, a will.
   *
   * @param tls the socket factory for an {@code ssl://} url (a pinned CA, a client certificate), or
   *     null for the JVM's trust store
   */
  public static MqttConnectionOptions options(
      String url, String username, String password, SocketFactory tls) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setAutomaticReconnect(true);
    o.setMaxReconnectDelay(MAX_RECONNECT_DELAY_MS);
    o.setConnectionTimeout(10);
    if (url.startsWith("tcp://")) o.setSocketFactory(new NoDelaySocketFactory());
    else if (tls != null) o.setSocketFactory(tls);
    if (username != null && !username.isEmpty()) {
      o.setUserName(username);
      if (password != null) o.setPassword(password.getBytes(StandardCharsets.UTF_8));
    }
    return o;
  }

  /**
   * Connects, trying again with a growing pause (0.5 s doubling to 5 s) until the broker accepts or
   * {@code stopped} says to give up; blocks the caller. From then on Paho reconnects by itself.
   *
   * @return true when connected, false when stopped first
   */
  public static boolean untilConnected(
      MqttAsyncClient client, MqttConnectionOptions options, BooleanSupplier stopped)
      throws InterruptedException {
    return attempts(client, options, stopped, 1);
  }

  private static boolean attempts(
      MqttAsyncClient client, MqttConnectionOptions options, BooleanSupplier stopped, int first)
      throws InterruptedException {
    long pause = FIRST_RETRY_MS;
    for (int attempt = first; !stopped.getAsBoolean(); attempt++) {
      try {
        client.connect(options).waitForCompletion(ATTEMPT_TIMEOUT_MS);
        if (attempt > 1)
          log.info("{}: connected to {}", client.getClientId(), client.getServerURI());
        return true;
      } catch (MqttException e) {
        if (client.isConnected()) return true; // an earlier attempt completed meanwhile
        // the first failure and then about once a minute: a plant may be offline for days
        if (attempt == 1 || attempt % 12 == 0)
          log.warn(
              "{}: broker {} not reachable yet ({}); trying again",
              client.getClientId(),
              client.getServerURI(),
              e.getMessage());
      }
      Thread.sleep(pause);
      pause = Math.min(pause * 2, MAX_RECONNECT_DELAY_MS);
    }
    return false;
  }

  /**
   * Connects now if the broker answers at once; otherwise goes on trying on a daemon thread (see
   * {@link #untilConnected}), for clients that must start while the broker is down: a gateway at a
   * plant whose link is out, a server started before its broker.
   *
   * @return true when connected now
   */
  public static boolean nowOrInBackground(
      MqttAsyncClient client, MqttConnectionOptions options, BooleanSupplier stopped) {
    try {
      client.connect(options).waitForCompletion(ATTEMPT_TIMEOUT_MS);
      return true;
    } catch (MqttException e) {
      log.warn(
          "{}: broker {} not reachable yet ({}); trying again in the background",
          client.getClientId(),
          client.getServerURI(),
          e.getMessage());
    }
    Thread t =
        new Thread(
            () -> {
              try {
                attempts(client, options, stopped, 2);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mqtt-connect-" + client.getClientId());
    t.setDaemon(true);
    t.start();
    return false;
  }
}

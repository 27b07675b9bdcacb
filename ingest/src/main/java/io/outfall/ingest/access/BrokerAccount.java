package io.outfall.ingest.access;

import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import java.util.List;

/**
 * Who a broker client is, and so what it may do. The rules are stated once, here; the embedded
 * broker enforces them ({@link BrokerAccessExtension}) and the Mosquitto ACL file is written from
 * them ({@link MosquittoFiles}).
 *
 * @param site a gateway's site, null for a service
 * @param gateway a gateway's id, null for a service
 */
public record BrokerAccount(String username, Role role, String site, String gateway) {
  public enum Role {
    /** One plant's gateway: its own topics only. */
    GATEWAY,
    /** Outfall's own servers: every gateway's topics (readings in, configurations out). */
    SERVICE
  }

  /** A topic filter the account may publish to and/or subscribe to; anything else is refused. */
  public record TopicRule(String filter, boolean publish, boolean subscribe) {}

  /** The broker user name of a gateway: {@code site/gateway} (ids never contain a slash). */
  public static String gatewayUsername(String site, String gateway) {
    return site + "/" + gateway;
  }

  public static BrokerAccount gateway(String site, String gateway) {
    if (!Topics.isValidId(site) || !Topics.isValidId(gateway))
      throw new IllegalArgumentException(
          "site and gateway ids are 1-64 of A-Z a-z 0-9 _ -, got '" + site + "/" + gateway + "'");
    return new BrokerAccount(gatewayUsername(site, gateway), Role.GATEWAY, site, gateway);
  }

  public static BrokerAccount service(String username) {
    if (!Topics.isValidId(username))
      throw new IllegalArgumentException(
          "a service name is 1-64 of A-Z a-z 0-9 _ -, got '" + username + "'");
    // its client ids begin with its name: "gateway…" would cover gateways' ids
    if (username.startsWith("gateway"))
      throw new IllegalArgumentException(
          "a service name may not begin with 'gateway' (gateways' client ids do), got '"
              + username
              + "'");
    return new BrokerAccount(username, Role.SERVICE, null, null);
  }

  /** The account a user name stands for, given its role (as the broker noted it at login). */
  public static BrokerAccount of(Role role, String username) {
    if (role == Role.SERVICE) return service(username);
    int slash = username.indexOf('/');
    if (slash < 0)
      throw new IllegalArgumentException("a gateway's user name is site/gateway: " + username);
    return gateway(username.substring(0, slash), username.substring(slash + 1));
  }

  /**
   * Whether a client of this account may connect under this client id. A broker disconnects a
   * client when another connects with the same id (MQTT's session takeover), so ids must belong to
   * accounts as topics do: a gateway's is exactly {@link MqttConnect#gatewayClientId} (no two
   * accounts share one: the database's unique index), a service's is its user name or begins with
   * it and a hyphen ({@code outfall-ingest-host1}, {@code outfall-ingest-host1-fleet}).
   */
  public boolean mayUseClientId(String clientId) {
    if (role == Role.GATEWAY) return clientId.equals(MqttConnect.gatewayClientId(site, gateway));
    return clientId.equals(username) || clientId.startsWith(username + "-");
  }

  /** Whether this account may publish to the topic. */
  public boolean mayPublish(String topic) {
    return rules().stream().anyMatch(r -> r.publish() && covers(r.filter(), topic));
  }

  /**
   * Whether this account may subscribe to the filter: every topic it matches must be one a rule
   * allows. A shared subscription ({@code $share/group/filter}) is judged by its filter.
   */
  public boolean maySubscribe(String filter) {
    String f = filter;
    if (f.startsWith("$share/")) {
      int slash = f.indexOf('/', "$share/".length());
      if (slash < 0) return false;
      f = f.substring(slash + 1);
    }
    String own = f;
    return rules().stream().anyMatch(r -> r.subscribe() && covers(r.filter(), own));
  }

  /**
   * Whether every topic that {@code filter} matches (a topic name matches itself) is matched by
   * {@code rule}, an MQTT topic filter: level by level, {@code #} covers the rest, {@code +} one
   * level that is not a {@code #}, a name only itself.
   */
  static boolean covers(String rule, String filter) {
    String[] r = rule.split("/", -1);
    String[] f = filter.split("/", -1);
    for (int i = 0; i < r.length; i++) {
      if (r[i].equals("#")) return true;
      if (i >= f.length) return false;
      if (r[i].equals("+") ? f[i].equals("#") : !r[i].equals(f[i])) return false;
    }
    return r.length == f.length;
  }

  public List<TopicRule> rules() {
    if (role == Role.SERVICE)
      return List.of(
          new TopicRule(Topics.ROOT + "/#", true, true),
          // what Mosquitto says of refusals and takeovers (log_dest topic)
          new TopicRule("$SYS/broker/log/#", false, true));
    return List.of(
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.READINGS), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.STATUS), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.CONFIG_ACK), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.CONFIG), false, true));
  }
}

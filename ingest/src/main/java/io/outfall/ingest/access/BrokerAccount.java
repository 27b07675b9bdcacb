package io.outfall.ingest.access;

import io.outfall.protocol.Topics;
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
    return new BrokerAccount(username, Role.SERVICE, null, null);
  }

  public List<TopicRule> rules() {
    if (role == Role.SERVICE) return List.of(new TopicRule(Topics.ROOT + "/#", true, true));
    return List.of(
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.READINGS), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.STATUS), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.CONFIG_ACK), true, false),
        new TopicRule(Topics.topic(site, gateway, Topics.Kind.CONFIG), false, true));
  }
}

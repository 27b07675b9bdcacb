package io.outfall.protocol;

import java.util.Arrays;

/**
 * The MQTT topic tree, version 1: {@code outfall/v1/{site}/{gateway}/{kind}}.
 *
 * <p>Site and gateway ids are 1–64 characters of {@code [A-Za-z0-9_-]}, so they never contain the
 * MQTT separators or wildcards.
 */
public final class Topics {
  public static final String ROOT = "outfall/v1";

  /** The kinds of topic under a gateway. */
  public enum Kind {
    READINGS("readings"),
    STATUS("status"),
    CONFIG("config"),
    CONFIG_ACK("config/ack");

    private final String suffix;

    Kind(String suffix) {
      this.suffix = suffix;
    }

    public String suffix() {
      return suffix;
    }
  }

  /** A parsed topic. */
  public record Address(String site, String gateway, Kind kind) {
    public String topic() {
      return Topics.topic(site, gateway, kind);
    }
  }

  private Topics() {}

  /**
   * Whether {@code id} is 1 to 64 characters of {@code [A-Za-z0-9_-]}. Written out rather than
   * matched with a pattern: it runs for every reading's station (a regex was a tenth of decoding).
   */
  public static boolean isValidId(String id) {
    if (id == null || id.isEmpty() || id.length() > 64) return false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!ok) return false;
    }
    return true;
  }

  public static String topic(String site, String gateway, Kind kind) {
    if (!isValidId(site) || !isValidId(gateway)) {
      throw new IllegalArgumentException("invalid site or gateway id: " + site + "/" + gateway);
    }
    return ROOT + "/" + site + "/" + gateway + "/" + kind.suffix();
  }

  public static String readings(String site, String gateway) {
    return topic(site, gateway, Kind.READINGS);
  }

  /** Filter matching every gateway's readings. */
  public static String allReadings() {
    return ROOT + "/+/+/readings";
  }

  /**
   * MQTT 5 shared subscription to every gateway's readings: the broker hands each message to one
   * member of {@code group}, so several ingest instances split the load.
   */
  public static String sharedReadings(String group) {
    if (!isValidId(group)) {
      throw new IllegalArgumentException("invalid shared subscription group: " + group);
    }
    return "$share/" + group + "/" + allReadings();
  }

  /** Parses a concrete topic; throws {@link PayloadException} with reason {@code bad_topic}. */
  public static Address parse(String topic) throws PayloadException {
    if (topic == null || !topic.startsWith(ROOT + "/")) {
      throw badTopic(topic);
    }
    String[] parts = topic.substring(ROOT.length() + 1).split("/", -1);
    if (parts.length < 3 || !isValidId(parts[0]) || !isValidId(parts[1])) {
      throw badTopic(topic);
    }
    String suffix = String.join("/", Arrays.copyOfRange(parts, 2, parts.length));
    for (Kind kind : Kind.values()) {
      if (kind.suffix().equals(suffix)) {
        return new Address(parts[0], parts[1], kind);
      }
    }
    throw badTopic(topic);
  }

  private static PayloadException badTopic(String topic) {
    return new PayloadException(
        RejectReason.BAD_TOPIC,
        "",
        "topic '"
            + topic
            + "' is not "
            + ROOT
            + "/{site}/{gateway}/{readings|status|config|config/ack}");
  }
}

package io.outfall.protocol.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A gateway's answer to a config message, retained on {@code .../{gateway}/config/ack}.
 *
 * <pre>{"schema_version":1,"gateway":"gw-1","version":"2026-11-25.2","hash":"9f…",
 *  "outcome":"rolled_back","reason":"device outlet: no answer within 60s","at":1764100000000}</pre>
 */
public record ConfigAck(
    String gateway, String version, String hash, Outcome outcome, String reason, long atMs) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a configuration ended on the gateway. */
  public enum Outcome {
    /** Running, and its new or changed devices answered within the grace period. */
    APPLIED,
    /** Never started: not valid, not signed by the server, or not for this gateway. */
    REJECTED,
    /** Started, failed its health check, and the previous configuration runs again. */
    ROLLED_BACK;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public byte[] encode() {
    ObjectNode n = JSON.createObjectNode();
    n.put("schema_version", ConfigMessage.SCHEMA_VERSION);
    n.put("gateway", gateway);
    n.put("version", version);
    n.put("hash", hash);
    n.put("outcome", outcome.code());
    if (reason != null) n.put("reason", reason);
    n.put("at", atMs);
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static ConfigAck decode(byte[] payload) {
    try {
      JsonNode n = JSON.readTree(payload);
      return new ConfigAck(
          n.get("gateway").asText(),
          n.get("version").asText(),
          n.get("hash").asText(),
          Outcome.valueOf(n.get("outcome").asText().toUpperCase(Locale.ROOT)),
          n.hasNonNull("reason") ? n.get("reason").asText() : null,
          n.get("at").asLong());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("config ack: not readable (" + e + ")");
    }
  }
}

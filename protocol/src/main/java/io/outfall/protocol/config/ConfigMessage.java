package io.outfall.protocol.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A gateway configuration as the server deploys it: the retained message on {@code
 * .../{gateway}/config}. The YAML travels as text, unchanged, so that the hash and the signature
 * are over exactly what the engineer wrote.
 *
 * <pre>{"schema_version":1,"version":"2026-11-25.2","yaml":"version: …","signature":"base64…"}
 * </pre>
 *
 * @param version the version label of the configuration (also inside the YAML)
 * @param yaml the configuration
 * @param signature Ed25519 over {@link #signedBytes()}, base64; {@code null} when unsigned
 */
public record ConfigMessage(String version, String yaml, String signature) {
  public static final int SCHEMA_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the server signs: a fixed prefix, the version and the YAML, so neither can be swapped. */
  public byte[] signedBytes() {
    return ("outfall-config-v1\n" + version + "\n" + yaml).getBytes(StandardCharsets.UTF_8);
  }

  /** SHA-256 of the YAML, hex: how acknowledgements and the server name this configuration. */
  public String hash() {
    return sha256(yaml);
  }

  public ConfigMessage signedWith(String signature) {
    return new ConfigMessage(version, yaml, signature);
  }

  public byte[] encode() {
    ObjectNode n = JSON.createObjectNode();
    n.put("schema_version", SCHEMA_VERSION);
    n.put("version", version);
    n.put("yaml", yaml);
    if (signature != null) n.put("signature", signature);
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Reads a config message; an {@link IllegalArgumentException} says what is wrong with it. */
  public static ConfigMessage decode(byte[] payload) {
    JsonNode n;
    try {
      n = JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("config message: not JSON (" + e.getMessage() + ")");
    }
    if (n == null || !n.isObject())
      throw new IllegalArgumentException("config message: a JSON object is required");
    if (n.path("schema_version").asInt(-1) != SCHEMA_VERSION)
      throw new IllegalArgumentException(
          "config message: schema_version "
              + SCHEMA_VERSION
              + " is required, got "
              + n.path("schema_version"));
    if (!n.path("version").isTextual() || !n.path("yaml").isTextual())
      throw new IllegalArgumentException(
          "config message: text fields version and yaml are required");
    JsonNode sig = n.get("signature");
    return new ConfigMessage(
        n.get("version").asText(),
        n.get("yaml").asText(),
        sig == null || sig.isNull() ? null : sig.asText());
  }

  /** SHA-256 of a text's UTF-8 bytes, hex. */
  public static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}

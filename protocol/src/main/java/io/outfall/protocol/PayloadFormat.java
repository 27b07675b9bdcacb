package io.outfall.protocol;

/**
 * Encodings of a readings batch. The MQTT 5 content-type property names the format; a message
 * without one is JSON (so that {@code mosquitto_pub} and MQTT 3.1.1 clients work).
 */
public enum PayloadFormat {
  /** Human-readable, the default. */
  JSON("application/vnd.outfall.readings.v1+json"),
  /** The compact form: the same document in CBOR (RFC 8949), about a quarter smaller. */
  CBOR("application/vnd.outfall.readings.v1+cbor");

  private final String contentType;

  PayloadFormat(String contentType) {
    this.contentType = contentType;
  }

  public String contentType() {
    return contentType;
  }

  /** The format for a content type; null or unknown content types mean JSON. */
  public static PayloadFormat ofContentType(String contentType) {
    if (contentType != null && contentType.endsWith("+cbor")) {
      return CBOR;
    }
    return JSON;
  }
}

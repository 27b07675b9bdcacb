package io.outfall.ingest.intake;

/**
 * A message as the transport handed it over, before any validation. {@link #acknowledge()} tells
 * the transport that the message is safely stored (or parked) and the broker may forget it.
 */
public record Delivery(String topic, byte[] payload, String contentType, Runnable acknowledgement) {
  public void acknowledge() {
    acknowledgement.run();
  }
}

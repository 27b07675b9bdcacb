package io.outfall.ingest.intake;

import io.outfall.protocol.RejectReason;
import java.util.List;

/**
 * A validated message, ready for the writer: the rows to store and what was refused, with the raw
 * payload kept only when something must be parked.
 *
 * @param site site code from the topic, null when the topic itself was refused
 * @param gateway gateway id from the topic
 * @param seq batch sequence number, null when the payload could not be decoded
 * @param rows readings to store
 * @param rejections what was refused; empty for a clean message
 * @param rejectedUnits readings refused (a message that cannot be decoded counts as one)
 */
public record Inbound(
    Delivery delivery,
    String site,
    String gateway,
    Long seq,
    List<Row> rows,
    List<Rejection> rejections,
    int rejectedUnits,
    long receivedAtNanos) {

  /** One reading resolved against the catalog, in storage form. */
  public record Row(
      String station, short parameterId, long timestampMs, double value, short status) {}

  /**
   * Why (part of) a message was refused.
   *
   * @param path JSON path of the refused element, empty for the whole message
   */
  public record Rejection(RejectReason reason, String path, String detail, int readings) {}

  public boolean clean() {
    return rejections.isEmpty();
  }
}

package io.outfall.protocol;

/**
 * Why a message or a reading was refused. The {@link #label()} is the value of the {@code reason}
 * label on the rejection metrics and the {@code reason} column of the dead-letter table, so never
 * rename one: add a new one.
 */
public enum RejectReason {
  // A whole message is refused for these:
  TOO_LARGE("too_large"),
  MALFORMED("malformed"),
  UNSUPPORTED_VERSION("unsupported_version"),
  MISSING_FIELD("missing_field"),
  INVALID_FIELD("invalid_field"),
  UNKNOWN_FIELD("unknown_field"),
  EMPTY_BATCH("empty_batch"),
  TOO_MANY_READINGS("too_many_readings"),
  BAD_TOPIC("bad_topic"),
  GATEWAY_MISMATCH("gateway_mismatch"),
  // A single reading is refused for these; the rest of its batch is stored:
  UNKNOWN_PARAMETER("unknown_parameter"),
  UNIT_MISMATCH("unit_mismatch"),
  NON_FINITE_VALUE("non_finite_value"),
  TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range"),
  // ...and this, when the writer looks the station up: a gateway reports only its own site's.
  STATION_SITE_MISMATCH("station_site_mismatch"),
  // ...or finds the station in no registry entry (registry.unregistered-stations: park or refuse).
  UNREGISTERED_STATION("unregistered_station"),
  // The database refused readings that passed validation (a bug or a schema mismatch): parked too.
  STORAGE_REFUSED("storage_refused");

  private final String label;

  RejectReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}

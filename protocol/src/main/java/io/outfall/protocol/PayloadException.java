package io.outfall.protocol;

/**
 * A payload that cannot be accepted, with a machine-readable reason and the JSON path of the
 * offending element (e.g. {@code readings[12].value}) so that the sender can be told exactly what
 * to fix.
 */
public final class PayloadException extends Exception {
  private final RejectReason reason;
  private final String path;
  private final String detail;

  public PayloadException(RejectReason reason, String path, String detail) {
    super((path == null || path.isEmpty() ? "" : path + ": ") + detail);
    this.reason = reason;
    this.path = path;
    this.detail = detail;
  }

  /**
   * The same refusal with its path under {@code parent}: {@code value} under {@code readings[3]} is
   * {@code readings[3].value}. Lets a decoder build a path only for what it refuses.
   */
  public PayloadException under(String parent) {
    return new PayloadException(
        reason, path == null || path.isEmpty() ? parent : parent + "." + path, detail);
  }

  public RejectReason reason() {
    return reason;
  }

  /** JSON path of the offending element, empty for the message as a whole. */
  public String path() {
    return path;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    // Rejections are expected, counted events on the hot path, not bugs: skip the stack walk.
    return this;
  }
}

package io.outfall.ingest.http;

/** Fields of the CSV files the API hands out (RFC 4180). */
public final class Csv {
  private Csv() {}

  /**
   * A value as one field: empty for null, in double quotes (each quote doubled) when it holds a
   * comma, a quote or a line break, else as it is.
   */
  public static String field(Object value) {
    if (value == null) return "";
    String s = value.toString();
    return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }
}

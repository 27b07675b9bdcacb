package io.outfall.ingest.donre;

import io.outfall.protocol.DeviceStatus;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;

/**
 * The text file automatic monitoring stations send the provincial environment department: one file
 * per station per transmission, one line per parameter, five tab-separated fields:
 *
 * <pre>
 * COD&lt;TAB&gt;45.2&lt;TAB&gt;mg/L&lt;TAB&gt;20261130101500&lt;TAB&gt;00
 * </pre>
 *
 * the department's symbol of the parameter, the value (a plain decimal), its unit, the measurement
 * time in the plant's local time ({@code yyyyMMddHHmmss}, no zone written, so whole seconds) and
 * the device status ({@code 00} measuring, {@code 01} calibrating, {@code 02} fault). The layout is
 * the one two independent public implementations agree on, not checked against the text of Circular
 * 10/2021/TT-BTNMT (see docs/regulator.md); encoding and line ending differ between them and are
 * settings. Pure: no I/O.
 */
public final class DonreFile {
  static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withResolverStyle(ResolverStyle.STRICT);

  /** One line: a parameter's value at a local time. */
  public record Line(
      String symbol, double value, String unit, LocalDateTime time, DeviceStatus status) {}

  /**
   * A file that cannot be read as a whole, with the reason it is quarantined under: {@code
   * encoding} (not text in the configured encoding) or {@code malformed} (a line that is not five
   * fields of the right form: then no line can be trusted, so none is stored).
   */
  public static final class Unreadable extends Exception {
    private final String reason;

    Unreadable(String reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private final Charset charset;
  private final String lineEnding;

  /**
   * @param lineEnding what ends each line when writing ({@code \n} or {@code \r\n}); reading
   *     accepts both
   */
  public DonreFile(Charset charset, String lineEnding) {
    this.charset = charset;
    this.lineEnding = lineEnding;
  }

  public byte[] write(List<Line> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Line l : lines) {
      String text =
          String.join(
                  "\t",
                  l.symbol(),
                  value(l.value()),
                  l.unit(),
                  TIME.format(l.time()),
                  l.status().code())
              + lineEnding;
      out.writeBytes(text.getBytes(charset));
    }
    return out.toByteArray();
  }

  /**
   * The lines of a file. Blank lines are skipped; anything else that is not a well-formed line
   * makes the whole file {@link Unreadable}.
   */
  public List<Line> read(byte[] bytes) throws Unreadable {
    String text;
    try {
      text =
          charset
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new Unreadable("encoding", "not " + charset.name() + " text: " + e.getMessage());
    }
    if (text.startsWith("\uFEFF")) text = text.substring(1); // a byte-order mark some editors add
    List<Line> lines = new ArrayList<>();
    String[] raw = text.split("\r?\n", -1);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i].isBlank()) continue;
      lines.add(line(raw[i], i + 1));
    }
    if (lines.isEmpty()) throw new Unreadable("malformed", "the file holds no line");
    return lines;
  }

  private static Line line(String raw, int n) throws Unreadable {
    String[] f = raw.split("\t", -1);
    if (f.length != 5)
      throw new Unreadable(
          "malformed", "line " + n + ": 5 tab-separated fields are required, got " + f.length);
    String symbol = f[0].trim();
    if (symbol.isEmpty()) throw new Unreadable("malformed", "line " + n + ": no parameter");
    double value;
    try {
      value = Double.parseDouble(f[1].trim());
    } catch (NumberFormatException e) {
      throw new Unreadable("malformed", "line " + n + ": value '" + f[1] + "' is not a number");
    }
    if (!Double.isFinite(value))
      throw new Unreadable("malformed", "line " + n + ": value '" + f[1] + "' is not finite");
    LocalDateTime time;
    try {
      time = LocalDateTime.parse(f[3].trim(), TIME);
    } catch (DateTimeParseException e) {
      throw new Unreadable(
          "malformed", "line " + n + ": time '" + f[3] + "' is not yyyyMMddHHmmss");
    }
    DeviceStatus status = DeviceStatus.ofCode(f[4].trim());
    if (status == null)
      throw new Unreadable(
          "malformed", "line " + n + ": status '" + f[4] + "' is not 00, 01 or 02");
    return new Line(symbol, value, f[2].trim(), time, status);
  }

  /** A plain decimal, never an exponent, that parses back to the same double. */
  static String value(double v) {
    String s = BigDecimal.valueOf(v).toPlainString();
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}

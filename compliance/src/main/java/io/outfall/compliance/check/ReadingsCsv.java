package io.outfall.compliance.check;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Reads {@code ts,station,parameter,value,unit,status} CSV (columns in any order, named by the
 * header; ts ISO-8601 with an offset; status 00/01/02). Every bad line is an error naming the line
 * and the field.
 */
public final class ReadingsCsv {
  private static final List<String> COLUMNS =
      List.of("ts", "station", "parameter", "value", "unit", "status");

  private ReadingsCsv() {}

  /** The readings, sorted by time (stable). */
  public static List<Reading> read(Path file) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) throw new IllegalArgumentException(file + ": empty file");
      List<String> names =
          Arrays.stream(header.replace("\uFEFF", "").split(",", -1)).map(String::trim).toList();
      int[] at = new int[COLUMNS.size()];
      for (int i = 0; i < COLUMNS.size(); i++) {
        at[i] = names.indexOf(COLUMNS.get(i));
        if (at[i] < 0)
          throw new IllegalArgumentException(
              file + ": header must name " + String.join(",", COLUMNS) + "; got " + header);
      }
      List<Reading> out = new ArrayList<>();
      String line;
      int n = 1;
      while ((line = in.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        String[] f = line.split(",", -1);
        if (f.length != names.size())
          throw error(file, n, "expected " + names.size() + " fields, got " + f.length);
        out.add(parse(file, n, f, at));
      }
      out.sort(Comparator.comparingLong(Reading::timestampMs));
      return out;
    }
  }

  private static Reading parse(Path file, int n, String[] f, int[] at) {
    String ts = f[at[0]].trim();
    long ms;
    try {
      ms = OffsetDateTime.parse(ts).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw error(
          file,
          n,
          "ts '" + ts + "' is not ISO-8601 with an offset (e.g. 2026-11-24T08:00:00+07:00)");
    }
    double value;
    try {
      value = Double.parseDouble(f[at[3]].trim());
    } catch (NumberFormatException e) {
      throw error(file, n, "value '" + f[at[3]].trim() + "' is not a number");
    }
    if (!Double.isFinite(value)) throw error(file, n, "value must be finite");
    String code = f[at[5]].trim();
    DeviceStatus status = DeviceStatus.ofCode(code.length() == 1 ? "0" + code : code);
    if (status == null) throw error(file, n, "status '" + code + "' is not 00, 01 or 02");
    String station = f[at[1]].trim();
    String parameter = f[at[2]].trim();
    if (station.isEmpty() || parameter.isEmpty())
      throw error(file, n, "station and parameter are required");
    return new Reading(station, parameter, ms, value, f[at[4]].trim(), status);
  }

  private static IllegalArgumentException error(Path file, int line, String what) {
    return new IllegalArgumentException(file + ": line " + line + ": " + what);
  }
}

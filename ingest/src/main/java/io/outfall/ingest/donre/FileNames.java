package io.outfall.ingest.donre;

import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * File names of the department's files: a pattern ({@code donre.file-name}, default {@code
 * {province}_{site}_{station}_{time}.txt}) whose {@code {time}} is the local time {@code
 * yyyyMMddHHmmss}. Provinces name their prefix differently; the pattern is theirs to set, and it
 * must hold {@code {station}} and {@code {time}} once each.
 */
public final class FileNames {
  public static final String DEFAULT = "{province}_{site}_{station}_{time}.txt";

  /** What a received file's name says. */
  public record Parsed(String station, LocalDateTime time) {}

  private final String pattern;
  private final String province;

  public FileNames(String pattern, String province) {
    for (String p : new String[] {"{station}", "{time}"})
      if (pattern.indexOf(p) < 0 || pattern.indexOf(p) != pattern.lastIndexOf(p))
        throw new IllegalArgumentException(
            "donre.file-name: " + p + " must appear once, got '" + pattern + "'");
    if (pattern.contains("/") || pattern.contains("\\"))
      throw new IllegalArgumentException("donre.file-name: a name, not a path: '" + pattern + "'");
    this.pattern = pattern;
    this.province = province;
  }

  public String name(String site, String station, LocalDateTime time) {
    return pattern
        .replace("{province}", province)
        .replace("{site}", site)
        .replace("{station}", station)
        .replace("{time}", DonreFile.TIME.format(time));
  }

  /**
   * The station and time a name gives, for a file received from {@code site}'s logger; empty when
   * the name does not follow the pattern with this province and site.
   */
  public Optional<Parsed> parse(String name, String site) {
    StringBuilder regex = new StringBuilder();
    Matcher parts = Pattern.compile("\\{(province|site|station|time)\\}").matcher(pattern);
    int at = 0;
    while (parts.find()) {
      regex.append(Pattern.quote(pattern.substring(at, parts.start())));
      regex.append(
          switch (parts.group(1)) {
            case "province" -> Pattern.quote(province);
            case "site" -> Pattern.quote(site);
            case "station" -> "(?<station>[A-Za-z0-9_-]{1,64}?)";
            default -> "(?<time>\\d{14})";
          });
      at = parts.end();
    }
    regex.append(Pattern.quote(pattern.substring(at)));
    Matcher m = Pattern.compile(regex.toString()).matcher(name);
    if (!m.matches()) return Optional.empty();
    try {
      return Optional.of(
          new Parsed(m.group("station"), LocalDateTime.parse(m.group("time"), DonreFile.TIME)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}

package io.outfall.ingest.http;

import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Locale;

/** Parsing of query parameters, each failure a 400 naming the parameter and the expected form. */
public final class QueryParams {
  private QueryParams() {}

  public static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) return dflt;
    try {
      int i = Integer.parseInt(v.trim());
      if (i < min || i > max) throw new NumberFormatException();
      return i;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(
          name + " must be a whole number from " + min + " to " + max + ", got '" + v + "'");
    }
  }

  /**
   * ISO-8601 with an offset ({@code 2026-11-24T08:00:00+07:00}, {@code …Z}) or epoch milliseconds.
   */
  public static Instant instant(RoutingContext ctx, String name, Instant dflt) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) return dflt;
    v = v.trim();
    try {
      if (v.chars().allMatch(Character::isDigit)) return Instant.ofEpochMilli(Long.parseLong(v));
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeException | NumberFormatException e) {
      throw ApiError.badRequest(
          name
              + " must be ISO-8601 with an offset (e.g. 2026-11-24T08:00:00+07:00) or epoch milliseconds, got '"
              + v
              + "'");
    }
  }

  /** A calendar day, {@code YYYY-MM-DD}. */
  public static LocalDate date(RoutingContext ctx, String name, LocalDate dflt) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) return dflt;
    try {
      return LocalDate.parse(v.trim());
    } catch (DateTimeException e) {
      throw ApiError.badRequest(name + " must be a date YYYY-MM-DD, got '" + v + "'");
    }
  }

  public static ZoneId zone(RoutingContext ctx) {
    return zone(ctx, ZoneId.of("UTC"));
  }

  public static ZoneId zone(RoutingContext ctx, ZoneId dflt) {
    String v = ctx.request().getParam("tz");
    if (v == null || v.isBlank()) return dflt;
    try {
      return ZoneId.of(v.trim());
    } catch (DateTimeException e) {
      throw ApiError.badRequest(
          "tz must be an IANA time zone such as Asia/Ho_Chi_Minh, got '" + v + "'");
    }
  }

  /**
   * {@code raw} (null), an ISO-8601 duration ({@code PT5M}) or a short form: 30s, 1m, 15m, 1h, 1d.
   */
  public static Duration step(RoutingContext ctx) {
    String v = ctx.request().getParam("step");
    if (v == null || v.isBlank() || v.equalsIgnoreCase("raw")) return null;
    v = v.trim();
    Duration d;
    try {
      if (v.toUpperCase(Locale.ROOT).startsWith("P")) {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      } else {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        d =
            switch (v.charAt(v.length() - 1)) {
              case 's' -> Duration.ofSeconds(n);
              case 'm' -> Duration.ofMinutes(n);
              case 'h' -> Duration.ofHours(n);
              case 'd' -> Duration.ofDays(n);
              default -> throw new NumberFormatException();
            };
      }
    } catch (RuntimeException e) {
      throw ApiError.badRequest(
          "step must be raw, an ISO-8601 duration (PT5M) or 30s/1m/15m/1h/1d, got '" + v + "'");
    }
    if (d.getSeconds() < 1 || d.getNano() != 0) {
      throw ApiError.badRequest(
          "step must be a whole number of seconds, at least 1 s, got '" + v + "'");
    }
    return d;
  }

  /** A path parameter that must be a whole number: {@code id must be a number, got 'x'}. */
  public static long pathNumber(RoutingContext ctx, String name) {
    try {
      return Long.parseLong(ctx.pathParam(name));
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(name + " must be a number, got '" + ctx.pathParam(name) + "'");
    }
  }
}

package io.outfall.ingest.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON request body read field by field: a field of the wrong type, a number out of range or a
 * text PostgreSQL cannot hold is the client's error, answered 400 naming the field — never a cast
 * failing deep in a handler as a 500.
 */
public final class JsonBody {
  private final JsonObject json;

  private JsonBody(JsonObject json) {
    this.json = json;
  }

  /**
   * The body as a JSON object. A missing body (a browser's bodiless POST has length −1) is an empty
   * object unless {@code required}.
   */
  public static JsonBody of(RoutingContext ctx, boolean required) {
    if (ctx.body() == null || ctx.body().length() <= 0) {
      if (required) throw ApiError.badRequest("the body must be a JSON object");
      return new JsonBody(new JsonObject());
    }
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) throw ApiError.badRequest("the body must be a JSON object");
      return new JsonBody(body);
    } catch (ApiError e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiError.badRequest("the body must be a JSON object");
    }
  }

  /** A text field, or {@code dflt} when absent or null. */
  public String text(String field, String dflt) {
    Object v = json.getValue(field);
    if (v == null) return dflt;
    if (!(v instanceof String s)) throw wrong(field, "a string", v);
    return checked(field, s);
  }

  public String text(String field) {
    return text(field, null);
  }

  /** A text field that must be present and not blank: 400 naming it otherwise. */
  public String required(String field) {
    String v = text(field, null);
    if (v == null || v.isBlank()) throw ApiError.badRequest(field + " is required");
    return v;
  }

  /** A whole number field within int range, or {@code dflt} when absent or null. */
  public Integer whole(String field, Integer dflt) {
    Object v = json.getValue(field);
    if (v == null) return dflt;
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) return (int) d;
    }
    throw wrong(field, "a whole number", v);
  }

  /** A required calendar date field, YYYY-MM-DD: 400 naming it otherwise. */
  public LocalDate date(String field) {
    String v = required(field);
    try {
      return LocalDate.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(field + " must be a date YYYY-MM-DD, got '" + v + "'");
    }
  }

  /** A number field, or null when absent or null. */
  public Double decimal(String field) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) return n.doubleValue();
    throw wrong(field, "a number", v);
  }

  /** A true/false field, or {@code dflt} when absent or null. */
  public boolean flag(String field, boolean dflt) {
    Object v = json.getValue(field);
    if (v == null) return dflt;
    if (!(v instanceof Boolean b)) throw wrong(field, "true or false", v);
    return b;
  }

  /** Whether the body has the field at all (null counts: it says "none"). */
  public boolean has(String field) {
    return json.containsKey(field);
  }

  /** A true/false field that may also be null: null when absent or null. */
  public Boolean flagOrNull(String field) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof Boolean b)) throw wrong(field, "true, false or null", v);
    return b;
  }

  /** A list of texts, or null when absent. */
  public List<String> texts(String field) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof JsonArray a)) throw wrong(field, "a list of strings", v);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s))
        throw wrong(field + "[" + i + "]", "a string", a.getValue(i));
      out.add(checked(field + "[" + i + "]", s));
    }
    return out;
  }

  private static String checked(String field, String s) {
    if (s.indexOf('\u0000') >= 0)
      throw ApiError.badRequest(field + ": a NUL character cannot be stored");
    return s;
  }

  private static ApiError wrong(String field, String what, Object got) {
    String shown = String.valueOf(got);
    if (shown.length() > 40) shown = shown.substring(0, 40) + "…";
    return ApiError.badRequest(field + ": " + what + " is required, got " + shown);
  }
}

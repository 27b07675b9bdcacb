package io.outfall.compliance.permits;

import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.Standard;
import io.outfall.compliance.standards.StandardsCatalog;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits a permit imposes, each with how it was derived (e.g. "C 150 × Kq 0.9 × Kf 1.0"), so
 * that a verdict can be explained to the plant.
 *
 * @param tier the discharge-volume tier the permit falls in, or null when the standard has none
 */
public record EffectiveLimits(
    Permit permit,
    Standard standard,
    String column,
    String tier,
    Map<String, Double> coefficients,
    Map<String, Entry> limits) {

  /** One parameter's limit (Cmax) and its derivation. */
  public record Entry(Limit limit, String unit, String derivation) {}

  public Entry get(String parameter) {
    return limits.get(parameter);
  }

  /** Resolves a permit against the catalog; every problem is an error naming the permit field. */
  public static EffectiveLimits resolve(Permit p, StandardsCatalog catalog) {
    Standard std = catalog.get(p.standard());
    String column = p.column();
    Map<String, Double> coefficients = new LinkedHashMap<>();
    double multiplier;
    switch (std.coefficients()) {
      case "kq_kf" -> {
        Standard.Coefficient receiving =
            p.receiving() == null ? null : std.kq().get(p.receiving().type());
        if (p.receiving() != null && receiving == null) {
          throw new IllegalArgumentException(
              "receiving.type '"
                  + p.receiving().type()
                  + "' is not one of "
                  + std.kq().keySet()
                  + " in "
                  + std.name());
        }
        if (receiving != null && receiving.column() != null) column = receiving.column();
        double kq = p.kq() != null ? p.kq() : kq(std, p, receiving);
        double kf =
            p.kf() != null
                ? p.kf()
                : receiving != null && receiving.kf() != null ? receiving.kf() : kf(std, p);
        coefficients.put("kq", kq);
        coefficients.put("kf", kf);
        multiplier = kq * kf;
      }
      case "k" -> {
        double k = p.k() != null ? p.k() : k(std, p);
        coefficients.put("k", k);
        multiplier = k;
      }
      default -> multiplier = 1.0;
    }
    if (column == null || !std.columns().containsKey(column)) {
      throw new IllegalArgumentException(
          "column '" + column + "' is not one of " + std.columns().keySet() + " in " + std.name());
    }

    String tier = null;
    String tierHow = "";
    if (std.tiers() != null) {
      String field = std.tiers().measure();
      Double measure =
          switch (field) {
            case "discharge_m3_per_day" -> p.dischargeM3PerDay();
            case "design_capacity_m3_per_day" -> p.designCapacityM3PerDay();
            default -> null;
          };
      if (measure == null)
        throw new IllegalArgumentException(
            field + " is needed: " + std.name() + " sets limits by discharge-volume tier");
      Standard.Tier t = std.tiers().of(measure);
      tier = t.name();
      tierHow = ", tier " + t.name() + " (" + field + " " + fmt(measure) + ")";
    }
    if (p.sector() != null && !std.sectors().isEmpty() && !std.sectors().containsKey(p.sector()))
      throw new IllegalArgumentException(
          "sector '"
              + p.sector()
              + "' is not one of "
              + std.sectors().keySet()
              + " in "
              + std.name());

    Map<String, Entry> limits = new LinkedHashMap<>();
    for (var e : std.parameters().entrySet()) {
      if (!e.getValue().appliesTo(p.sector())) continue; // limited only in other sectors
      Limit c = e.getValue().limit(column, tier);
      if (c == null) continue;
      boolean tiered = e.getValue().byColumnTier().containsKey(column);
      boolean multiply = e.getValue().multiply() && multiplier != 1.0;
      Limit cmax = multiply ? c.times(multiplier) : c;
      String how =
          std.name()
              + " column "
              + column
              + (tiered ? tierHow : "")
              + ": C "
              + describe(c)
              + (multiply
                  ? " × " + describeCoefficients(coefficients) + " = " + describe(cmax)
                  : " (no coefficients)");
      limits.put(e.getKey(), new Entry(cmax, e.getValue().unit(), how));
    }
    for (var e : p.limits().entrySet()) {
      Entry national = limits.get(e.getKey());
      if (national != null && !stricterOrEqual(e.getValue(), national.limit())) {
        throw new IllegalArgumentException(
            "limits."
                + e.getKey()
                + " "
                + describe(e.getValue())
                + " is looser than "
                + std.name()
                + " ("
                + describe(national.limit())
                + "): a permit may only be stricter");
      }
      limits.put(
          e.getKey(),
          new Entry(
              e.getValue(),
              national == null ? null : national.unit(),
              "permit-specific limit " + describe(e.getValue())));
    }
    if (!p.parameters().isEmpty()) {
      Map<String, Entry> monitored = new LinkedHashMap<>();
      for (String code : p.parameters()) {
        Entry e = limits.get(code);
        if (e == null)
          throw new IllegalArgumentException(
              "parameters: '"
                  + code
                  + "' has no limit in "
                  + std.name()
                  + " column "
                  + column
                  + " nor in the permit's limits");
        monitored.put(code, e);
      }
      limits = monitored;
    }
    return new EffectiveLimits(p, std, column, tier, coefficients, limits);
  }

  private static double kq(Standard std, Permit p, Standard.Coefficient receiving) {
    if (receiving == null)
      throw new IllegalArgumentException(
          "kq is missing: give kq, or receiving {type, flow_m3s | volume_m3}");
    if (receiving.value() != null) return receiving.value();
    Double measure =
        switch (receiving.measure()) {
          case "flow_m3s" -> p.receiving().flowM3s();
          case "volume_m3" -> p.receiving().volumeM3();
          default -> null;
        };
    if (measure == null)
      throw new IllegalArgumentException(
          "receiving."
              + receiving.measure()
              + " is needed for a "
              + p.receiving().type()
              + " in "
              + std.name());
    return receiving.of(measure);
  }

  private static double kf(Standard std, Permit p) {
    if (p.dischargeM3PerDay() == null)
      throw new IllegalArgumentException("kf is missing: give kf, or discharge_m3_per_day");
    return std.kf().of(p.dischargeM3PerDay());
  }

  private static double k(Standard std, Permit p) {
    if (p.facility() == null)
      throw new IllegalArgumentException("k is missing: give k, or facility {type, <size>}");
    Standard.SizeCoefficient table = std.k().get(p.facility().type());
    if (table == null)
      throw new IllegalArgumentException(
          "facility.type '" + p.facility().type() + "' is not one of " + std.k().keySet());
    // e.g. a hotel of 3 stars or more takes the large K whatever its number of rooms
    for (var alt : table.orAtLeast().entrySet()) {
      Double v = p.facility().size().get(alt.getKey());
      if (v != null && v >= alt.getValue()) return table.large();
    }
    Double size = p.facility().size().get(table.measure());
    if (size == null)
      throw new IllegalArgumentException(
          "facility." + table.measure() + " is needed for a " + p.facility().type());
    return size >= table.threshold() ? table.large() : table.small();
  }

  private static boolean stricterOrEqual(Limit permit, Limit national) {
    if (permit instanceof Limit.Maximum pm && national instanceof Limit.Maximum nm)
      return pm.max() <= nm.max();
    if (permit instanceof Limit.Range pr && national instanceof Limit.Range nr)
      return pr.min() >= nr.min() && pr.max() <= nr.max();
    return false;
  }

  static String describe(Limit l) {
    if (l instanceof Limit.Range r) return fmt(r.min()) + "–" + fmt(r.max());
    return fmt(((Limit.Maximum) l).max());
  }

  private static String describeCoefficients(Map<String, Double> c) {
    StringBuilder sb = new StringBuilder();
    c.forEach(
        (k, v) ->
            sb.append(sb.length() == 0 ? "" : " × ")
                .append(k.toUpperCase().replace("KQ", "Kq").replace("KF", "Kf"))
                .append(' ')
                .append(fmt(v)));
    return sb.toString();
  }

  static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : Double.toString(Math.round(v * 1e6) / 1e6);
  }
}

package io.outfall.compliance.permits;

import io.outfall.compliance.sampling.SamplingPlan;
import io.outfall.compliance.standards.Limit;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * A station's discharge permit, valid from {@code validFrom} (inclusive) to {@code validTo}
 * (exclusive, null: open-ended), both local dates in Vietnam.
 *
 * <p>Coefficients are given ({@code kq}+{@code kf}, or {@code k}) or derived from the facts they
 * come from ({@code receiving} and {@code dischargeM3PerDay} for QCVN 40, {@code facility} for QCVN
 * 14).
 *
 * <p>A standard with discharge-volume tiers (the 2025 standards' shape) reads the tier from the
 * permit field its data names: {@code dischargeM3PerDay} (the declared discharge) or {@code
 * designCapacityM3PerDay} (the treatment plant's design capacity).
 *
 * @param designCapacityM3PerDay the treatment plant's design capacity, m³/day, or null
 * @param sector the facility's sector, for parameters a standard limits only in some sectors
 * @param limits permit-specific limits, which may only be stricter than the standard's
 * @param parameters the monitored parameters; empty: every parameter the standard limits
 * @param sampling expected time between readings, by parameter; {@link SamplingPlan#NONE}: the
 *     station's registry entry or its own recent readings decide
 */
public record Permit(
    String station,
    String standard,
    String column,
    Double kq,
    Double kf,
    Double k,
    Receiving receiving,
    Double dischargeM3PerDay,
    Double designCapacityM3PerDay,
    String sector,
    Facility facility,
    Map<String, Limit> limits,
    List<String> parameters,
    LocalDate validFrom,
    LocalDate validTo,
    Duration averaging,
    SamplingPlan sampling) {

  /** The receiving water: its type and, for rivers, flow (m3/s), for lakes, volume (m3). */
  public record Receiving(String type, Double flowM3s, Double volumeM3) {}

  /** A QCVN 14 facility: its type and its size in the unit the standard's K table uses. */
  public record Facility(String type, Map<String, Double> size) {}

  public Permit withStandard(String other) {
    return new Permit(
        station,
        other,
        column,
        kq,
        kf,
        k,
        receiving,
        dischargeM3PerDay,
        designCapacityM3PerDay,
        sector,
        facility,
        limits,
        parameters,
        validFrom,
        validTo,
        averaging,
        sampling);
  }
}

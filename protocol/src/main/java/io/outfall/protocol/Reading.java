package io.outfall.protocol;

/**
 * One measured value of one parameter at one station.
 *
 * @param station station code, unique across Outfall (e.g. {@code HN-PHUNGHIA-OUT})
 * @param parameter parameter code from the catalog (e.g. {@code COD}, {@code pH}, {@code flow_out})
 * @param timestampMs time of measurement at the source, UTC epoch milliseconds
 * @param value measured value in {@code unit}
 * @param unit unit as sent by the gateway; must match the parameter's catalog unit
 * @param status device status at measurement time
 */
public record Reading(
    String station,
    String parameter,
    long timestampMs,
    double value,
    String unit,
    DeviceStatus status) {}

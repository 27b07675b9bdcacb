package io.outfall.simulator;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Plausible treated effluent of one plant over time, for the demo and benchmarks.
 *
 * <p>Flow follows the working day of a cluster in Vietnam (UTC+7): low at night, a morning and an
 * evening peak. Pollutants rise with the hydraulic load, carry noise, and now and then an excursion
 * (a treatment upset) lifts COD, TSS and NH4_N to 1.5–3× for tens of minutes. Analyzers calibrate
 * every six hours (status 01), and a plant configured with a flaky NH4_N analyzer reports a fault
 * (status 02, frozen value) for a quarter of an hour every four hours.
 *
 * <p>Deterministic for a given seed and time: the same instant always gives the same values, so a
 * restarted demo or a replayed backfill sends identical readings.
 */
public final class EffluentModel {
  private static final ZoneId PLANT_TIME = ZoneId.of("Asia/Ho_Chi_Minh");

  /** A plant's typical effluent. */
  public record Profile(
      double flowM3h,
      double cod,
      double tss,
      double nh4n,
      double ph,
      double colour,
      boolean flakyAmmonium) {
    /** A 160 m³/h plant whose effluent usually meets QCVN 40 column B: tests, drills, benches. */
    public static final Profile TYPICAL = new Profile(160, 55, 35, 4.5, 7.2, 30, false);
  }

  private final Profile p;
  private final long seed;

  public EffluentModel(Profile profile, long seed) {
    this.p = profile;
    this.seed = seed;
  }

  /** The parameters this model produces, in catalog codes. */
  public static final List<String> PARAMETERS =
      List.of("flow_in", "flow_out", "temperature", "pH", "TSS", "COD", "NH4_N", "colour");

  public List<Reading> readings(String station, Instant t) {
    ZonedDateTime local = t.atZone(PLANT_TIME);
    double hour = local.getHour() + local.getMinute() / 60.0 + local.getSecond() / 3600.0;
    long minute = t.getEpochSecond() / 60;
    Random noise = new Random(seed * 31 + t.toEpochMilli());

    // Working-day load: night floor plus morning (9:00) and evening (19:00) peaks.
    double load = 0.55 + 0.45 * bump(hour, 9, 2.5) + 0.3 * bump(hour, 19, 2.0);
    double flowIn = p.flowM3h() * load * (1 + 0.04 * noise.nextGaussian());
    double flowOut = flowIn * (0.97 + 0.01 * noise.nextGaussian());
    double excursion = excursion(minute);
    double pollution = (0.8 + 0.35 * load) * excursion;

    double cod = p.cod() * pollution * (1 + 0.05 * noise.nextGaussian());
    double tss = p.tss() * pollution * (1 + 0.07 * noise.nextGaussian());
    double nh4 = p.nh4n() * pollution * (1 + 0.06 * noise.nextGaussian());
    double ph =
        p.ph()
            + 0.12 * Math.sin(2 * Math.PI * hour / 24)
            + 0.04 * noise.nextGaussian()
            - (excursion > 1.2 ? 0.6 : 0);
    double temp =
        26.5 + 2.0 * Math.sin(2 * Math.PI * (hour - 9) / 24) + 0.15 * noise.nextGaussian();
    double colour = p.colour() * pollution * (1 + 0.05 * noise.nextGaussian());

    // Calibration: every 6 h, 10 minutes, at a plant-specific offset.
    boolean calibrating = Math.floorMod(minute + seed * 37, 360) < 10;
    DeviceStatus analyzers = calibrating ? DeviceStatus.CALIBRATING : DeviceStatus.MEASURING;
    DeviceStatus ammonium = analyzers;
    if (p.flakyAmmonium() && Math.floorMod(minute + seed * 11, 240) < 15) {
      ammonium = DeviceStatus.FAULT;
      nh4 = 0.0; // a faulted analyzer commonly reports a frozen or zero value
    }
    if (calibrating) {
      // During calibration the analyzers read their standard solutions, not the effluent.
      cod = 100.0 * (1 + 0.01 * noise.nextGaussian());
      tss = 50.0 * (1 + 0.01 * noise.nextGaussian());
      if (ammonium == DeviceStatus.CALIBRATING) nh4 = 10.0 * (1 + 0.01 * noise.nextGaussian());
    }

    long ms = t.toEpochMilli();
    List<Reading> out = new ArrayList<>(PARAMETERS.size());
    out.add(new Reading(station, "flow_in", ms, round(flowIn, 2), "m3/h", DeviceStatus.MEASURING));
    out.add(
        new Reading(station, "flow_out", ms, round(flowOut, 2), "m3/h", DeviceStatus.MEASURING));
    out.add(
        new Reading(station, "temperature", ms, round(temp, 2), "degC", DeviceStatus.MEASURING));
    out.add(new Reading(station, "pH", ms, round(ph, 2), "pH", DeviceStatus.MEASURING));
    out.add(new Reading(station, "TSS", ms, round(Math.max(0, tss), 2), "mg/L", analyzers));
    out.add(new Reading(station, "COD", ms, round(Math.max(0, cod), 2), "mg/L", analyzers));
    out.add(new Reading(station, "NH4_N", ms, round(Math.max(0, nh4), 3), "mg/L", ammonium));
    out.add(
        new Reading(
            station, "colour", ms, round(Math.max(0, colour), 1), "Pt-Co", DeviceStatus.MEASURING));
    return out;
  }

  /**
   * Treatment upsets: each 3-hour window has a 1 in 3 chance of one, starting at a random minute
   * and lasting 20–60 minutes, ramping up to a peak factor of 1.5–3.
   */
  double excursion(long minute) {
    long window = Math.floorDiv(minute, 180);
    Random r = new Random(seed * 7919 + window);
    if (r.nextInt(3) != 0) return 1.0;
    int start = r.nextInt(120);
    int length = 20 + r.nextInt(41);
    double peak = 1.5 + 1.5 * r.nextDouble();
    long at = Math.floorMod(minute, 180) - start;
    if (at < 0 || at >= length) return 1.0;
    double shape = Math.sin(Math.PI * (at + 0.5) / length);
    return 1.0 + (peak - 1.0) * shape;
  }

  private static double bump(double hour, double centre, double width) {
    double d = hour - centre;
    return Math.exp(-(d * d) / (2 * width * width));
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}

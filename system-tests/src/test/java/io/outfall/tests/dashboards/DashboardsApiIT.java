package io.outfall.tests.dashboards;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.dashboards.PlantKpis;
import io.outfall.ingest.dashboards.TargetBoard;
import io.outfall.ingest.targets.KpiTargets;
import io.outfall.ingest.targets.TargetJudgement;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.tests.testing.OverviewJson;
import io.outfall.tests.testing.Probe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The dashboards' API over the seeded plant, with figures computed by hand from what was sent:
 * overview, KPIs (meters with a reset), the report as JSON and CSV, and the live feed.
 */
// CI runs it on the embedded stack too: the dashboards' queries on plain PostgreSQL
@Tag("demo-stack")
class DashboardsApiIT {
  static final String STATION = SeededPlant.STATION;
  static SeededPlant plant;

  @BeforeAll
  static void start() throws Exception {
    plant = SeededPlant.start("dash");
  }

  @AfterAll
  static void stop() throws Exception {
    plant.close();
  }

  @Test
  void overviewShowsThePlantInBreachWithItsHoursAndCompleteness() {
    JsonObject o = get("/api/overview");
    // other tests may add stations without a permit (IT-RESET-OUT, IT-METERS-OUT, IT-TARGET-OUT):
    // those are "no
    // permit", never compliant; ours is in breach. So no station is compliant, whichever ran first.
    JsonObject stations = o.getJsonObject("headline").getJsonObject("stations");
    int total = stations.getInteger("counted");
    assertThat(total).isBetween(1, 5);
    assertThat(stations.getInteger("compliant")).isZero();
    assertThat(stations.getDouble("share")).isZero();
    assertThat(stations.getJsonObject("by_state").getInteger("breach")).isEqualTo(1);
    assertThat(stations.getJsonObject("by_state").getInteger("no_permit", 0)).isEqualTo(total - 1);
    JsonObject p = OverviewJson.station(o, STATION);
    assertThat(p.getString("state")).isEqualTo("breach");
    assertThat(p.getJsonArray("open_alerts").stream().map(a -> ((JsonObject) a).getString("kind")))
        .contains("breach");
    // the breach opened seconds ago and is still open
    assertThat(p.getDouble("breach_hours_24h")).isBetween(0.0, 0.1);
    assertThat(p.getDouble("breach_hours_30d")).isEqualTo(p.getDouble("breach_hours_24h"));
    // two hours of minute readings, counted from the slot of the first: the calibration and
    // fault minutes, and the slots since the history ended, are missing
    assertThat(p.getDouble("completeness_24h")).isBetween(0.5, 1.0);
    assertThat(o.getJsonArray("worst").getJsonObject(0).getString("station")).isEqualTo(STATION);
  }

  @Test
  void kpisCountMeterIncreasesAndTreatedVolume() {
    JsonObject k = get("/api/stations/" + STATION + "/kpis?days=2");
    JsonObject period = k.getJsonObject("period");
    // 120 readings 0.5 kWh and 0.1 kg apart: 119 increases
    assertThat(period.getDouble("energy_kwh")).isCloseTo(59.5, within(1e-6));
    assertThat(period.getDouble("chemical_kg")).isCloseTo(11.9, within(1e-6));
    // 42 m³/h over 120 minutes, counted by 5-minute slots: 24 slots, or 25 when not aligned on 5
    // min
    assertThat(period.getDouble("volume_m3")).isIn(84.0, 87.5);
    assertThat(period.getDouble("energy_kwh_per_m3"))
        .isCloseTo(59.5 / period.getDouble("volume_m3"), within(1e-9));
    assertThat(k.getJsonObject("baseline").getDouble("volume_m3")).isZero();
    assertThat(k.getJsonObject("change_pct").getValue("energy_kwh_per_m3")).isNull();
  }

  @Test
  void aMeterResetCountsFromZero() throws Exception {
    long t0 =
        Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
    double[] energy = {100, 101, 102, 0.5, 1.5};
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < energy.length; i++)
      readings.add(
          new Reading(
              "IT-RESET-OUT",
              "energy",
              t0 + i * 60_000L,
              energy[i],
              "kWh",
              DeviceStatus.MEASURING));
    plant.gateway.publish(plant.batch(readings));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.get(plant.port(), "/api/stations/IT-RESET-OUT/kpis").status() == 200);
    JsonObject k = get("/api/stations/IT-RESET-OUT/kpis");
    assertThat(k.getJsonObject("period").getDouble("energy_kwh")).isCloseTo(3.5, within(1e-9));
  }

  /**
   * A replaced meter and a counter that wraps, recorded through the API, change what the KPIs count
   * from the same readings (the arithmetic of each case: MeterConsumptionTest).
   */
  @Test
  void aRecordedReplacementAndARolloverAreCountedInTheKpis() throws Exception {
    String station = "IT-METERS-OUT";
    long t0 =
        Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
    double[] energy = {1000, 1010, 503}; // a new meter from 500 between the 2nd and 3rd reading
    double[] chemical = {99_990, 99_998, 5}; // a five-digit counter going round
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      readings.add(
          new Reading(
              station, "energy", t0 + i * 120_000L, energy[i], "kWh", DeviceStatus.MEASURING));
      readings.add(
          new Reading(
              station,
              "chemical_dose",
              t0 + i * 120_000L,
              chemical[i],
              "kg",
              DeviceStatus.MEASURING));
    }
    plant.gateway.publish(plant.batch(readings));
    String kpis = "/api/stations/" + station + "/kpis";
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.get(plant.port(), kpis).status() == 200);
    JsonObject before = get(kpis).getJsonObject("period");
    // nothing recorded: each fall is a reset to zero: 10 + 503 and 8 + 5
    assertThat(before.getDouble("energy_kwh")).isCloseTo(513, within(1e-9));
    assertThat(before.getDouble("chemical_kg")).isCloseTo(13, within(1e-9));

    String meters = plant.base + "/api/stations/" + station + "/meters";
    // the same replacement twice: recorded once
    JsonObject replacement =
        new JsonObject()
            .put("at", Instant.ofEpochMilli(t0 + 180_000L).toString())
            .put("old_final", 1012.0)
            .put("new_start", 500.0)
            .put("note", "meter replaced after a lightning strike");
    var replaced = post(meters + "/energy/changes", replacement);
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(201);
    var again = post(meters + "/energy/changes", replacement);
    assertThat(again.status()).isEqualTo(409);
    var rollover =
        Probe.send(
            Probe.request(URI.create(meters + "/chemical_dose"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"rollover\": 100000}")));
    assertThat(rollover.status()).as(rollover.body()).isEqualTo(200);
    var notAMeter =
        Probe.send(
            Probe.request(URI.create(meters + "/COD"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"rollover\": 100000}")));
    assertThat(notAMeter.status()).isEqualTo(400);

    JsonObject recorded = get("/api/stations/" + station + "/meters");
    assertThat(recorded.getJsonArray("meters")).hasSize(2);
    JsonObject after = get(kpis).getJsonObject("period");
    // the old meter to its last value, the new one from its start: 10 + (1012 - 1010) + (503 - 500)
    assertThat(after.getDouble("energy_kwh")).isCloseTo(15, within(1e-9));
    // 8, up to 100,000 (2) and on to 5: 15
    assertThat(after.getDouble("chemical_kg")).isCloseTo(15, within(1e-9));
  }

  /**
   * A whole past day's consumption is kept once computed (meter_days), and dropped when it may have
   * changed: a late reading folded into that day, a replacement recorded for the meter. Each step
   * fails without its drop (the kept figure would be answered again).
   */
  @Test
  void aKeptDayIsCountedAgainAfterALateReadingOrARecordedReplacement() throws Exception {
    String station = "IT-KEPT-OUT";
    ZoneId zone = ZoneId.of("Asia/Ho_Chi_Minh");
    LocalDate day = LocalDate.now(zone).minusDays(3);
    long ten = day.atTime(10, 0).atZone(zone).toInstant().toEpochMilli();
    long hour = 3_600_000L;
    plant.gateway.publish(
        plant.batch(
            List.of(
                meter(station, "energy", ten, 100, "kWh"),
                meter(station, "energy", ten + 2 * hour, 110, "kWh"))));
    String kpis = "/api/stations/" + station + "/kpis?days=5";
    await().atMost(Duration.ofSeconds(20)).until(() -> energyOn(kpis, day) != null);
    assertThat(energyOn(kpis, day)).isCloseTo(10, within(1e-9)); // 100 -> 110
    assertThat(keptDays(station)).as("the day is kept").isEqualTo(1);
    assertThat(energyOn(kpis, day)).as("and read back").isCloseTo(10, within(1e-9));

    // a late reading that day: 110 -> 125 at 14:00
    plant.gateway.publish(
        plant.batch(List.of(meter(station, "energy", ten + 4 * hour, 125, "kWh"))));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Math.abs(energyOn(kpis, day) - 25) < 1e-9); // 100 -> 110 -> 125
    // the old meter came out at 13:00 reading 112, the new one started at 100 (so 125 is +25)
    var replaced =
        post(
            plant.base + "/api/stations/" + station + "/meters/energy/changes",
            new JsonObject()
                .put("at", Instant.ofEpochMilli(ten + 3 * hour).toString())
                .put("old_final", 112.0)
                .put("new_start", 100.0));
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(201);
    // 10 + (112 - 110) + (125 - 100) = 37
    assertThat(energyOn(kpis, day)).isCloseTo(37, within(1e-9));
    assertThat(keptDays(station)).as("kept again").isEqualTo(1);
  }

  private static Double energyOn(String kpis, LocalDate day) {
    var a = Probe.get(plant.port(), kpis);
    if (a.status() != 200) return null;
    for (Object o : new JsonObject(a.body()).getJsonArray("days")) {
      JsonObject d = (JsonObject) o;
      if (d.getString("day").equals(day.toString())) return d.getDouble("energy_kwh");
    }
    return null;
  }

  private static long keptDays(String station) {
    return Probe.count(
        plant.db,
        plant.services.dbUser(),
        plant.services.dbPassword(),
        "SELECT count(*) FROM meter_days m JOIN stations s ON s.id = m.station_id"
            + " WHERE s.code = '"
            + station
            + "' AND m.had_reading");
  }

  /**
   * A plant's target set through the API and judged from its meters: the same two hours of the
   * 10th, local time, a year apart (the baseline) and last month, readings every 5 minutes.
   */
  @Test
  void aTargetIsJudgedFromTheMetersForTheMonthTheQuarterAndTheYear() throws Exception {
    String station = "IT-TARGET-OUT";
    ZoneId zone = ZoneId.of("Asia/Ho_Chi_Minh");
    LocalDate month = LocalDate.now(zone).withDayOfMonth(1).minusMonths(1);
    LocalDate baseDay = month.minusYears(1).withDayOfMonth(10);
    LocalDate day = month.withDayOfMonth(10);
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < 24; i++) { // 10:00 .. 11:55: every 5-minute slot of two hours
      long b = baseDay.atTime(10, 0).atZone(zone).toInstant().toEpochMilli() + i * 300_000L;
      long m = day.atTime(10, 0).atZone(zone).toInstant().toEpochMilli() + i * 300_000L;
      readings.add(new Reading(station, "flow_out", b, 50, "m3/h", DeviceStatus.MEASURING));
      readings.add(new Reading(station, "flow_out", m, 50, "m3/h", DeviceStatus.MEASURING));
      // the meters read on in last month from where they stood at the baseline's end
      readings.add(meter(station, "energy", b, 1000 + 2.0 * i, "kWh"));
      readings.add(meter(station, "energy", m, 1046 + 1.8 * i, "kWh"));
      readings.add(meter(station, "energy_renewable", m, 0.1 * i, "kWh"));
      readings.add(meter(station, "chemical_dose", b, 200 + 0.5 * i, "kg"));
      readings.add(meter(station, "chemical_dose", m, 211.5 + 0.55 * i, "kg"));
      readings.add(meter(station, "production", m, 10 + 0.5 * i, "unit"));
    }
    plant.gateway.publish(plant.batch(readings));
    String kpis = "/api/stations/" + station + "/kpis?as_of=" + month.plusMonths(1).minusDays(1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.get(plant.port(), kpis).status() == 200);
    assertThat(get(kpis).getValue("targets")).as("no target set yet").isNull();

    String targets = plant.base + "/api/plants/" + "it-" + plant.session + "/targets";
    JsonObject target =
        new JsonObject()
            .put("baseline_from", baseDay.withDayOfMonth(1).toString())
            .put("baseline_to", baseDay.withDayOfMonth(1).plusMonths(1).toString())
            .put("energy_per_m3_pct", 4.0)
            .put("chemical_per_m3_pct", 8.0)
            .put("energy_per_unit_pct", 5.0)
            .put("product_unit", "t")
            .put("source", "the plant's own commitment, for the test");
    var put = put(targets, target);
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    var noBaseline =
        put(targets, target.copy().put("baseline_to", target.getString("baseline_from")));
    assertThat(noBaseline.status()).as(noBaseline.body()).isEqualTo(400);
    assertThat(put(plant.base + "/api/plants/NO-SUCH-PLANT/targets", target).status())
        .isEqualTo(404);

    JsonObject t = get(kpis).getJsonObject("targets");
    assertThat(t.getJsonObject("target").getString("scope")).isEqualTo("plant");
    assertThat(t.getJsonObject("target").getString("source")).contains("commitment");
    // baseline: 2 h at 50 m³/h = 100 m³; grid 1000 -> 1046 = 46 kWh: 0.46 kWh/m³;
    // 200 -> 211.5 = 11.5 kg: 0.115 kg/m³; no production metered
    JsonObject baseline = t.getJsonObject("baseline");
    assertThat(baseline.getDouble("volume_m3")).isCloseTo(100, within(1e-9));
    assertThat(baseline.getDouble("energy_kwh_per_m3")).isCloseTo(0.46, within(1e-9));
    assertThat(baseline.getDouble("chemical_kg_per_m3")).isCloseTo(0.115, within(1e-9));
    JsonArray periods = t.getJsonArray("periods");
    assertThat(periods).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject p = periods.getJsonObject(i);
      JsonObject totals = p.getJsonObject("totals");
      // last month: grid 1.8 × 23 = 41.4 kWh, renewable 2.3 kWh: 43.7 kWh used for 100 m³
      assertThat(totals.getDouble("energy_kwh")).isCloseTo(41.4, within(1e-9));
      assertThat(totals.getDouble("renewable_kwh")).isCloseTo(2.3, within(1e-9));
      // greenhouse gas from the grid's part only: 41.4 × 0.5 = 20.7 kg, 0.207 kg/m³
      assertThat(totals.getDouble("ghg_kg_co2e"))
          .isCloseTo(41.4 * SeededPlant.GRID_FACTOR, within(1e-9));
      assertThat(totals.getDouble("ghg_kg_co2e_per_m3")).isCloseTo(0.207, within(1e-9));
      boolean ended = p.getBoolean("ended");
      JsonObject energy = kpi(p, "energy_kwh_per_m3");
      // 0.437 against 0.46: -5 %, within 4 % less (at most 0.4416)
      assertThat(energy.getDouble("value")).isCloseTo(0.437, within(1e-9));
      assertThat(energy.getDouble("change_pct")).isCloseTo(-5.0, within(1e-6));
      assertThat(energy.getDouble("target_value")).isCloseTo(0.4416, within(1e-9));
      assertThat(energy.getString("status")).isEqualTo(ended ? "met" : "on_track");
      // 0.55 × 23 = 12.65 kg: 0.1265 kg/m³, 10 % more than 0.115
      JsonObject chemical = kpi(p, "chemical_kg_per_m3");
      assertThat(chemical.getDouble("change_pct")).isCloseTo(10.0, within(1e-6));
      assertThat(chemical.getString("status")).isEqualTo(ended ? "missed" : "behind");
      // 11.5 units made last month, none in the baseline: nothing to compare with
      assertThat(totals.getDouble("energy_kwh_per_unit")).isCloseTo(43.7 / 11.5, within(1e-9));
      assertThat(kpi(p, "energy_kwh_per_unit").getString("status")).isEqualTo("no_data");
    }
    assertThat(periods.getJsonObject(0).getBoolean("ended")).as("last month has ended").isTrue();
    // the PUT set the overview's board computing in the background, and it keeps meter days too:
    // let it finish (it shows the plant then) before the kept days are dropped below, or it may
    // keep them again after the drop
    await().atMost(Duration.ofSeconds(20)).until(() -> plantTargets(get("/api/overview")) != null);
    // counted from kept days or from every reading again: the same figures
    assertThat(keptDays(station)).isPositive();
    assertThat(get(kpis).getJsonObject("targets")).as("from kept days").isEqualTo(t);
    Probe.count(
        plant.db,
        plant.services.dbUser(),
        plant.services.dbPassword(),
        "WITH gone AS (DELETE FROM meter_days RETURNING 1) SELECT count(*) FROM gone");
    assertThat(keptDays(station)).isZero();
    assertThat(get(kpis).getJsonObject("targets")).isEqualTo(t);
    // a page that shows the month asks for it alone: the same verdicts, without the year's reading
    JsonObject monthOnly = get(kpis + "&periods=month").getJsonObject("targets");
    assertThat(monthOnly.getJsonArray("periods")).hasSize(1);
    assertThat(monthOnly.getJsonArray("periods").getJsonObject(0).getJsonArray("kpis"))
        .isEqualTo(periods.getJsonObject(0).getJsonArray("kpis"));
    assertThat(Probe.get(plant.port(), kpis + "&periods=year").status()).isEqualTo(400);
    // last month's report carries the month's verdicts, in JSON and CSV
    String report = "/api/stations/" + station + "/report?month=" + YearMonth.from(month);
    JsonObject inReport =
        get(report).getJsonObject("targets").getJsonArray("periods").getJsonObject(0);
    assertThat(kpi(inReport, "energy_kwh_per_m3").getString("status")).isEqualTo("met");
    assertThat(kpi(inReport, "chemical_kg_per_m3").getString("status")).isEqualTo("missed");
    assertThat(Probe.get(plant.port(), report + "&format=csv").body())
        .contains(",targets,energy_kwh_per_m3,status,met\n")
        .contains(",targets,chemical_kg_per_m3,change_pct,10.0\n");
    // the same month as a PDF to file, in Vietnamese: its text reads back as written
    HttpResponse<byte[]> pdf =
        HttpClient.newHttpClient()
            .send(
                Probe.request(URI.create(plant.base + report + "&format=pdf&lang=vi"))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(pdf.statusCode()).isEqualTo(200);
    assertThat(pdf.headers().firstValue("content-type")).hasValue("application/pdf");
    try (PDDocument doc = Loader.loadPDF(pdf.body())) {
      assertThat(new PDFTextStripper().getText(doc))
          .contains("Trạm quan trắc: " + station)
          .contains("Điện năng trên m³ nước thải xử lý (kWh/m³) 0,437 0,460 -5,0 % −4,0 % Đạt")
          .contains("Hóa chất trên m³ nước thải xử lý (kg/m³)")
          .contains("Không đạt");
    }
    // and the quarter that holds it
    String q = month.getYear() + "-Q" + ((month.getMonthValue() - 1) / 3 + 1);
    JsonObject quarter = get("/api/stations/" + station + "/report?quarter=" + q);
    assertThat(quarter.getString("from"))
        .isEqualTo(
            month
                .withMonth((month.getMonthValue() - 1) / 3 * 3 + 1)
                .atStartOfDay(zone)
                .toInstant()
                .toString());
    assertThat(
            Probe.get(plant.port(), "/api/stations/" + station + "/report?quarter=2026-Q5")
                .status())
        .isEqualTo(400);
    // the overview's board as it stood on last month's last evening: the plant's metered station
    // met its energy target and missed its chemical one; its stations without meters do not count
    var ds = plant.server.database().dataSource();
    TargetBoard lastMonth =
        new TargetBoard(
            ds,
            new PlantKpis(ds),
            new KpiTargets(ds, Optional.empty()),
            zone,
            Clock.fixed(
                month.plusMonths(1).minusDays(1).atTime(23, 0).atZone(zone).toInstant(), zone));
    lastMonth.refresh();
    TargetBoard.PlantMonth row = lastMonth.bySite().get("it-" + plant.session);
    assertThat(row.month()).isEqualTo(month);
    assertThat(row.kpis())
        .containsEntry(TargetJudgement.Kpi.ENERGY_PER_M3, TargetJudgement.Status.ON_TRACK)
        .containsEntry(TargetJudgement.Kpi.CHEMICAL_PER_M3, TargetJudgement.Status.BEHIND)
        .containsEntry(TargetJudgement.Kpi.ENERGY_PER_UNIT, TargetJudgement.Status.NO_DATA);
    assertThat(row.verdict()).isEqualTo(TargetJudgement.Status.BEHIND);
    // the overview's board judges this month, in the background: the plant's stations have no
    // baseline or no reading this month, so no data; its cluster counts it
    await().atMost(Duration.ofSeconds(20)).until(() -> plantTargets(get("/api/overview")) != null);
    JsonObject board = plantTargets(get("/api/overview"));
    assertThat(board.getString("verdict")).isEqualTo("no_data");
    assertThat(board.getJsonObject("kpis").getString("energy_kwh_per_m3")).isEqualTo("no_data");
    assertThat(
            new JsonObject(
                    Probe.get(plant.port(), "/api/plants/" + "it-" + plant.session + "/targets")
                        .body())
                .getDouble("chemical_per_m3_pct"))
        .isEqualTo(8.0);

    var removed =
        Probe.send(
            Probe.request(URI.create(targets))
                .method("DELETE", HttpRequest.BodyPublishers.noBody()));
    assertThat(removed.status()).as(removed.body()).isEqualTo(200);
    assertThat(get(kpis).getValue("targets")).as("the target removed").isNull();
  }

  /**
   * The breach's evidence pack: every part there, each file's hash in the manifest and in
   * SHA256SUMS verifying, the readings as many as the database holds for the range, the device
   * status runs as seeded, and the limit derived as the permit API derives it.
   */
  @Test
  void anEvidencePackHoldsTheEpisodeAndItsHashesVerify() throws Exception {
    String path = "/api/alerts/" + plant.breachAlert + "/evidence";
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                Probe.request(URI.create(plant.base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/zip");
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) files.put(e.getName(), z.readAllBytes());
    }
    assertThat(files)
        .containsOnlyKeys(
            "alert.json",
            "readings.csv",
            "hourly_means.csv",
            "device_status.csv",
            "permit.yaml",
            "limit.json",
            "gateway.json",
            "manifest.json",
            "SHA256SUMS");

    JsonObject manifest = new JsonObject(new String(files.get("manifest.json"), UTF_8));
    assertThat(manifest.getJsonArray("files")).hasSize(7);
    for (Object o : manifest.getJsonArray("files")) {
      JsonObject f = (JsonObject) o;
      byte[] content = files.get(f.getString("name"));
      assertThat((long) content.length).as(f.getString("name")).isEqualTo(f.getLong("bytes"));
      assertThat(sha256(content)).as(f.getString("name")).isEqualTo(f.getString("sha256"));
    }
    String[] sums = new String(files.get("SHA256SUMS"), UTF_8).split("\n");
    assertThat(sums).hasSize(8); // every file but itself, the manifest too
    for (String line : sums) {
      String[] hashAndName = line.split("  ", 2);
      assertThat(sha256(files.get(hashAndName[1]))).as(line).isEqualTo(hashAndName[0]);
    }

    // as many readings as the database holds for the station in the pack's range
    String[] rows = new String(files.get("readings.csv"), UTF_8).split("\n");
    long stored =
        Probe.count(
            plant.db,
            plant.services.dbUser(),
            plant.services.dbPassword(),
            "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
                + STATION
                + "' AND r.ts >= '"
                + manifest.getString("readings_from")
                + "' AND r.ts < '"
                + manifest.getString("readings_to")
                + "'");
    assertThat(rows.length - 1L).isEqualTo(stored).isGreaterThan(700);
    assertThat(rows[0]).isEqualTo("station,parameter,time_utc,time_local,value,unit,status");
    // COD calibrating 40..31 minutes before the history's end, pH in fault 20..16: one run each
    String status = new String(files.get("device_status.csv"), UTF_8);
    assertThat(status).containsPattern("(?m)^COD,01,[^,]+,[^,]+,10$");
    assertThat(status).containsPattern("(?m)^pH,02,[^,]+,[^,]+,5$");

    // the limit derived as the permit API derives it, from the version in force
    JsonObject limit = new JsonObject(new String(files.get("limit.json"), UTF_8));
    JsonObject permit = get("/api/permits/" + STATION);
    assertThat(limit.getJsonObject("limit").getString("derivation"))
        .isEqualTo(permit.getJsonObject("limits").getJsonObject("COD").getString("derivation"));
    assertThat(limit.getJsonObject("limit").getDouble("max"))
        .isEqualTo(permit.getJsonObject("limits").getJsonObject("COD").getDouble("max"));
    assertThat(limit.getString("column")).isEqualTo("B");
    assertThat(limit.getJsonObject("permit").getInteger("version"))
        .isEqualTo(permit.getInteger("version"));
    assertThat(new String(files.get("permit.yaml"), UTF_8)).isEqualTo(permit.getString("document"));
    JsonObject alert = new JsonObject(new String(files.get("alert.json"), UTF_8));
    assertThat(alert.getLong("id")).isEqualTo(plant.breachAlert);
    assertThat(alert.getJsonArray("events").getJsonObject(0).getString("event"))
        .isEqualTo("opened");

    // an operator or an engineer may not take one away
    for (String role : List.of("engineer", "operator")) {
      String token = Probe.tokenFor(plant.port(), "evidence-" + role, role, "it-" + plant.session);
      var refused = Probe.send(Probe.as(token, URI.create(plant.base + path)).GET());
      assertThat(refused.status()).as(role + ": " + refused.body()).isEqualTo(403);
    }
    String inspector = Probe.tokenFor(plant.port(), "evidence-inspector", "inspector");
    assertThat(Probe.send(Probe.as(inspector, URI.create(plant.base + path)).GET()).status())
        .isEqualTo(200);
    assertThat(Probe.get(plant.port(), "/api/alerts/999999/evidence").status()).isEqualTo(404);
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  /** The test plant's row of the overview: its targets, and its cluster counting it. */
  private static JsonObject plantTargets(JsonObject overview) {
    for (Object c : overview.getJsonArray("clusters"))
      for (Object p : ((JsonObject) c).getJsonArray("plants"))
        if (((JsonObject) p).getString("site").equals("it-" + plant.session)) {
          JsonObject t = ((JsonObject) p).getJsonObject("targets");
          if (t != null)
            assertThat(((JsonObject) c).getJsonObject("targets").getInteger(t.getString("verdict")))
                .isEqualTo(1);
          return t;
        }
    throw new AssertionError("no plant it-" + plant.session + " in " + overview.encode());
  }

  private static Reading meter(String station, String code, long ts, double value, String unit) {
    return new Reading(station, code, ts, value, unit, DeviceStatus.MEASURING);
  }

  private static JsonObject kpi(JsonObject period, String key) {
    for (Object o : period.getJsonArray("kpis"))
      if (((JsonObject) o).getString("kpi").equals(key)) return (JsonObject) o;
    throw new AssertionError("no " + key + " in " + period.encode());
  }

  private static Probe.Answer put(String uri, JsonObject body) {
    return Probe.send(
        Probe.request(URI.create(uri)).PUT(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  @Test
  void reportOfAWholeHourAsJsonAndCsv() throws Exception {
    // the first whole hour inside the two hours of history (counted from the history itself: a
    // clock read now may have crossed an hour since)
    Instant first = Instant.ofEpochMilli(plant.firstTs);
    Instant hour = first.truncatedTo(ChronoUnit.HOURS);
    if (hour.isBefore(first)) hour = hour.plus(Duration.ofHours(1));
    String q =
        "/api/stations/"
            + STATION
            + "/report?from="
            + hour
            + "&to="
            + hour.plus(Duration.ofHours(1));
    JsonObject r = get(q);
    assertThat(r.getInteger("hours_monitored")).isEqualTo(1);
    JsonObject tss = parameter(r.getJsonArray("parameters"), "TSS");
    assertThat(tss.getLong("readings")).isEqualTo(60);
    assertThat(tss.getLong("valid")).isEqualTo(60);
    assertThat(tss.getDouble("completeness")).isEqualTo(1.0);
    assertThat(tss.getDouble("min")).isEqualTo(30.0);
    assertThat(tss.getDouble("max")).isEqualTo(34.0);
    JsonObject cod = parameter(r.getJsonArray("parameters"), "COD");
    assertThat(cod.getLong("readings")).isEqualTo(60);
    assertThat(cod.getLong("valid") + cod.getLong("calibrating")).isEqualTo(60);

    var csv =
        HttpClient.newHttpClient()
            .send(
                Probe.request(URI.create(plant.base + q + "&format=csv")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(csv.body()).startsWith("\uFEFFstation,from,to,section,item,measure,value\n");
    assertThat(csv.body())
        .contains(",parameter,TSS,completeness,1.0\n", ",period,,hours_monitored,1\n");
  }

  @Test
  void reportOfTheMonthCountsTheBreachAndTheTimeToAcknowledgeIt() throws Exception {
    var ack =
        HttpClient.newHttpClient()
            .send(
                Probe.request(
                        URI.create(
                            plant.base + "/api/alerts/" + plant.breachAlert + "/acknowledge"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(ack.statusCode()).isIn(200, 409); // 409: already acknowledged by another test
    // the local month the breach began in (not today's: near midnight on the last day of a month
    // in Hanoi, the two differ, and the report counts alerts by the month they started in)
    String month =
        YearMonth.from(Instant.ofEpochMilli(plant.lastTs).atZone(ZoneId.of("Asia/Ho_Chi_Minh")))
            .toString();
    JsonObject r = get("/api/stations/" + STATION + "/report?month=" + month);
    JsonObject breach = r.getJsonArray("breaches").getJsonObject(0);
    assertThat(breach.getString("parameter")).isEqualTo("COD");
    assertThat(breach.getInteger("count")).isEqualTo(1);
    assertThat(breach.getDouble("max_factor")).isGreaterThan(2.0); // 400 / 150
    JsonObject kind =
        r.getJsonArray("alerts").stream()
            .map(JsonObject.class::cast)
            .filter(a -> a.getString("kind").equals("breach"))
            .findFirst()
            .orElseThrow();
    assertThat(kind.getInteger("acknowledged")).isEqualTo(1);
    assertThat(kind.getDouble("median_ack_minutes")).isBetween(0.0, 10.0);
  }

  @Test
  void badReportParametersAreClearErrors() {
    assertThat(Probe.get(plant.port(), "/api/stations/" + STATION + "/report?month=2026-13").body())
        .contains("month must be YYYY-MM");
    assertThat(Probe.get(plant.port(), "/api/stations/" + STATION + "/report?format=xlsx").body())
        .contains("format must be json, csv or pdf");
    assertThat(
            Probe.get(plant.port(), "/api/stations/" + STATION + "/report?format=pdf&lang=fr")
                .body())
        .contains("lang must be vi or en");
    assertThat(Probe.get(plant.port(), "/api/stations/NOPE/kpis").status()).isEqualTo(404);
  }

  @Test
  void theLiveFeedAnnouncesAStoredReading() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    var request =
        Probe.request(URI.create(plant.base + "/api/live?station=" + STATION))
            .timeout(Duration.ofMinutes(5))
            .build();
    var stream =
        HttpClient.newHttpClient()
            .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .thenAccept(r -> r.body().forEach(lines::add));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains(": connected"));
    long ts = System.currentTimeMillis() + 20_000;
    plant.gateway.publish(
        plant.batch(
            List.of(new Reading(STATION, "TSS", ts, 12.5, "mg/L", DeviceStatus.MEASURING))));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.contains("[\"TSS\"," + ts + ",12.5,0]")));
    assertThat(lines).contains("event: readings");
    stream.cancel(true);
  }

  private static Probe.Answer post(String uri, JsonObject body) {
    return Probe.send(
        Probe.request(URI.create(uri)).POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private static JsonObject get(String path) {
    var a = Probe.get(plant.port(), path);
    assertThat(a.status()).as(path + " -> " + a.body()).isEqualTo(200);
    return new JsonObject(a.body());
  }

  private static JsonObject parameter(JsonArray params, String code) {
    return params.stream()
        .map(JsonObject.class::cast)
        .filter(p -> p.getString("parameter").equals(code))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + code + " in " + params));
  }
}

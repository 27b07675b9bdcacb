package io.outfall.tests.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.tests.testing.OverviewJson;
import io.outfall.tests.testing.Probe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    // other tests may add stations without a permit (IT-RESET-OUT, IT-METERS-OUT): those are "no
    // permit", never compliant; ours is in breach. So no station is compliant, whichever ran first.
    JsonObject stations = o.getJsonObject("headline").getJsonObject("stations");
    int total = stations.getInteger("counted");
    assertThat(total).isBetween(1, 3);
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
    assertThat(Probe.get(plant.port(), "/api/stations/" + STATION + "/report?format=pdf").status())
        .isEqualTo(400);
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

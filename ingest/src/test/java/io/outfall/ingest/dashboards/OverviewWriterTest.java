package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.dashboards.Overview.State;
import io.outfall.ingest.targets.TargetJudgement.Kpi;
import io.outfall.ingest.targets.TargetJudgement.Status;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverviewWriterTest {
  private static final Instant AT = Instant.parse("2026-12-03T09:15:00.125Z");
  private static final Overview.OpenAlert BREACH =
      new Overview.OpenAlert(
          41, "breach", "compliance", "COD", "B", Instant.parse("2026-12-03T08:00:00Z"));
  private static final Overview.Station BREACHING = breaching("BT-OUT", "Bát Tràng outlet");
  private static final Overview.Station SILENT =
      new Overview.Station(
          "PN-OUT",
          "Phú Nghĩa outlet",
          "phu-nghia",
          "Phú Nghĩa plant",
          false,
          State.NO_PERMIT,
          null,
          Duration.ofMinutes(10),
          List.of(),
          0,
          0,
          null,
          null);
  private static final TargetBoard.PlantMonth MONTH =
      new TargetBoard.PlantMonth(
          "bat-trang",
          LocalDate.of(2026, 12, 1),
          Map.of(Kpi.ENERGY_PER_M3, Status.BEHIND),
          Status.BEHIND,
          Instant.parse("2026-12-03T09:00:00Z"));

  private final OverviewWriter writer = new OverviewWriter();

  @Test
  void theOverviewSaysWhatItsPartsSayInTheAnswersOrder() {
    Overview.Result o = result(BREACHING);
    // page 1 of 2: the first cluster, the headline and the worst stations whole
    String written = writer.write(o, 0, 1, Map.of("bat-trang", MONTH)).toString();
    JsonObject expected =
        new JsonObject()
            .put("at", "2026-12-03T09:15:00.125Z")
            .put("headline", DashboardsJson.headline(o))
            .put(
                "clusters",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("code", "hn-bat-trang")
                            .put("name", "Bát Tràng")
                            .put("kind", "craft_village")
                            .put("district", "Gia Lâm")
                            .put("treatment", "central")
                            .put("registered", true)
                            .put("state", "breach")
                            .put("compliant", false)
                            .put("targets", new JsonObject().put("behind", 1))
                            .put(
                                "plants",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("site", "bat-trang")
                                            .put("name", "Bát Tràng plant")
                                            .put("status", "operating")
                                            .put("state", "breach")
                                            .put("targets", DashboardsJson.plantMonth(MONTH))
                                            .put(
                                                "stations",
                                                new JsonArray()
                                                    .add(DashboardsJson.station(BREACHING)))))))
            .put("clusters_total", 2)
            .put("offset", 0)
            .put("next_offset", 1)
            .put(
                "worst",
                new JsonArray()
                    .add(DashboardsJson.station(BREACHING))
                    .add(DashboardsJson.station(SILENT)));
    assertThat(written).isEqualTo(expected.encode());
    assertThat(new JsonObject(written).getJsonArray("worst").getJsonObject(0))
        .as("a station's own part, as the pages read it")
        .isEqualTo(
            new JsonObject()
                .put("station", "BT-OUT")
                .put("name", "Bát Tràng outlet")
                .put("site", "bat-trang")
                .put("site_name", "Bát Tràng plant")
                .put("permit", true)
                .put("state", "breach")
                .put("last_reading", "2026-12-03T09:14:50Z")
                .put("silent_after_minutes", 20)
                .put(
                    "open_alerts",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", 41)
                                .put("kind", "breach")
                                .put("family", "compliance")
                                .put("parameter", "COD")
                                .put("band", "B")
                                .put("started_at", "2026-12-03T08:00:00Z")))
                .put("breach_hours_24h", 1.25)
                .put("breach_hours_30d", 3.5)
                .put("completeness_24h", 0.99)
                .putNull("completeness_30d"));

    // the last page: no next offset, a cluster without plants, no targets
    JsonObject last = new JsonObject(writer.write(o, 1, 1, Map.of()).toString());
    assertThat(last.getValue("next_offset")).isNull();
    assertThat(last.containsKey("next_offset")).isTrue();
    assertThat(last.getJsonArray("clusters").getJsonObject(0).getValue("targets")).isNull();
    assertThat(last.getJsonArray("clusters").getJsonObject(0).getJsonArray("plants")).isEmpty();
  }

  @Test
  void aStationsNewRowIsWrittenAnewAndAnUnchangedRowAsBefore() {
    String first = writer.write(result(BREACHING), 0, 2, Map.of()).toString();
    assertThat(writer.write(result(BREACHING), 0, 2, Map.of()).toString()).isEqualTo(first);
    // the hours in breach move with the clock: a new row of the same station, and so of its cluster
    Overview.Station later = BREACHING.withBreachHours(2.5, 4.75);
    JsonObject answer = new JsonObject(writer.write(result(later), 0, 2, Map.of()).toString());
    JsonObject station =
        answer
            .getJsonArray("clusters")
            .getJsonObject(0)
            .getJsonArray("plants")
            .getJsonObject(0)
            .getJsonArray("stations")
            .getJsonObject(0);
    assertThat(station.getDouble("breach_hours_24h")).isEqualTo(2.5);
    assertThat(answer.getJsonArray("worst").getJsonObject(0).getDouble("breach_hours_30d"))
        .isEqualTo(4.75);
  }

  @Test
  void aStationTakenOutOfTheRegistryIsForgotten() {
    writer.write(result(BREACHING), 0, 2, Map.of());
    assertThat(writer.kept()).containsExactlyInAnyOrder("BT-OUT", "PN-OUT");
    // BT-OUT removed, NT-OUT registered in its place: the overview still counts two stations
    Overview.Station replacing = breaching("NT-OUT", "Nam Trung outlet");
    writer.write(result(replacing), 0, 2, Map.of());
    String again = writer.write(result(replacing), 0, 2, Map.of()).toString();
    // three kept for two counted after the first answer: the next one looks and drops BT-OUT
    assertThat(writer.kept()).containsExactlyInAnyOrder("NT-OUT", "PN-OUT");
    assertThat(again).contains("\"NT-OUT\"").doesNotContain("BT-OUT");
  }

  @Test
  void aClusterIsWrittenAnewWhenItsPlantsMonthChangesAndElseAsBefore() {
    Map<String, TargetBoard.PlantMonth> board = Map.of("bat-trang", MONTH);
    String first = writer.write(result(BREACHING), 0, 2, board).toString();
    // a new answer of the same rows and months: the cluster as kept
    assertThat(writer.write(result(BREACHING), 0, 2, board).toString()).isEqualTo(first);
    assertThat(writer.keptClusters())
        .containsExactlyInAnyOrder("cluster hn-bat-trang", "site hn-phu-nghia");

    // the board refreshed: the same month of the plant, now on track
    TargetBoard.PlantMonth onTrack =
        new TargetBoard.PlantMonth(
            "bat-trang",
            MONTH.month(),
            Map.of(Kpi.ENERGY_PER_M3, Status.ON_TRACK),
            Status.ON_TRACK,
            Instant.parse("2026-12-03T09:30:00Z"));
    JsonObject cluster =
        new JsonObject(
                writer.write(result(BREACHING), 0, 2, Map.of("bat-trang", onTrack)).toString())
            .getJsonArray("clusters")
            .getJsonObject(0);
    assertThat(cluster.getJsonObject("targets")).isEqualTo(new JsonObject().put("on_track", 1));
    assertThat(cluster.getJsonArray("plants").getJsonObject(0).getJsonObject("targets"))
        .isEqualTo(DashboardsJson.plantMonth(onTrack));
  }

  /** A station of plant bat-trang in breach of its permit. */
  private static Overview.Station breaching(String code, String name) {
    return new Overview.Station(
        code,
        name,
        "bat-trang",
        "Bát Tràng plant",
        true,
        State.BREACH,
        Instant.parse("2026-12-03T09:14:50Z"),
        Duration.ofMinutes(20),
        List.of(BREACH),
        1.25,
        3.5,
        0.99,
        null);
  }

  private static Overview.Result result(Overview.Station breaching) {
    Overview.Count one = new Overview.Count(2, 2, 0, Map.of(State.BREACH, 1, State.NO_PERMIT, 1));
    return new Overview.Result(
        AT,
        List.of(
            new Overview.Cluster(
                "hn-bat-trang",
                "Bát Tràng",
                "craft_village",
                "Gia Lâm",
                "central",
                true,
                State.BREACH,
                List.of(
                    new Overview.Plant(
                        "bat-trang",
                        "Bát Tràng plant",
                        "operating",
                        State.BREACH,
                        List.of(breaching)))),
            new Overview.Cluster(
                "hn-phu-nghia",
                "Phú Nghĩa",
                "industrial",
                "Chương Mỹ",
                "central",
                false,
                State.NOT_BUILT,
                List.of())),
        one,
        one,
        one,
        List.of(breaching, SILENT));
  }
}

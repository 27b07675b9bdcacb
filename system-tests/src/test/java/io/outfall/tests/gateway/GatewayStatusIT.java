package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.drill.TcpProxy;
import io.outfall.gateway.Gateway;
import io.outfall.gateway.MeterChanges;
import io.outfall.gateway.StatusPage;
import io.outfall.ingest.alerts.AlertStore;
import io.outfall.ingest.fleet.DroppedReadingsAlerts;
import io.outfall.ingest.fleet.GatewayFleet;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

/**
 * What the server and the plant technician see of a gateway: its status at {@code /api/gateways}
 * and in the metrics (online, buffer, drops when its buffer overflowed during an outage, clock
 * skew), and its local status page.
 */
class GatewayStatusIT {
  static final String SITE = "it-status";

  @Test
  void statusDropsAndClockSkewReachTheServerAndThePlantPage() throws Exception {
    try (PlantRig rig = PlantRig.start("gatewaystatus", "ST-IT-OUT")) {
      TestServices services = rig.services;
      TcpProxy link = rig.link;
      Path dir = rig.dir;
      // A small buffer (1,000 readings) filled at 45 readings a second while the link is down.
      var config =
          GatewayConfigYaml.parse(
              rig.gatewayYaml("gw-status", SITE, Duration.ofMillis(200))
                  .replace(
                      "buffer: {path: \"" + dir.resolve("buffer.db") + "\"}",
                      "buffer: {path: \"" + dir.resolve("buffer.db") + "\", max_readings: 1000}"));
      assertThat(config.buffer().maxReadings()).isEqualTo(1000);
      int port = rig.server.httpPort();
      try (Gateway gw = Gateway.start(config);
          StatusPage page = new StatusPage(gw, "127.0.0.1", 0)) {
        JsonObject seen =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () -> gateway(port, "gw-status"),
                    g -> g != null && g.getLong("clock_skew_ms") != null);
        assertThat(seen.getString("state")).isEqualTo("online");
        assertThat(Math.abs(seen.getLong("clock_skew_ms")))
            .as("same machine, same clock")
            .isLessThan(2_000);
        assertThat(seen.getString("config_version")).isEqualTo("simulated-1");
        assertThat(seen.getJsonArray("devices").getJsonObject(0).getString("name"))
            .isEqualTo("outlet");

        link.cut();
        await().atMost(Duration.ofSeconds(60)).until(() -> gw.status().dropped() > 200);
        link.restore();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    Probe.metric(
                            port,
                            "outfall_gateway_readings_dropped_total{gateway=\"gw-status\",site=\""
                                + SITE
                                + "\"}")
                        > 200);
        assertThat(
                Probe.metric(
                    port, "outfall_gateway_online{gateway=\"gw-status\",site=\"" + SITE + "\"}"))
            .isEqualTo(1.0);
        // and the station's record has a hole: a data-quality alert says so, with the count
        JsonObject alert =
            await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> droppedAlert(port, rig.station), a -> a != null);
        System.out.printf("[status] data-quality alert: %s%n", alert.getString("detail"));
        assertThat(alert.getString("family")).isEqualTo("data_quality");
        assertThat(alert.getString("detail")).contains(SITE + "/gw-status dropped");
        // an hour later with no more drops it resolves: the counters the server last took (not
        // the gateway's own, which may have moved on since its last status), a clock an hour on
        long dropped;
        try (var c = rig.server.database().dataSource().getConnection();
            var st = c.createStatement();
            var rs =
                st.executeQuery(
                    "SELECT dropped FROM gateway_drops WHERE site = '"
                        + SITE
                        + "' AND gateway = 'gw-status'")) {
          assertThat(rs.next()).isTrue();
          dropped = rs.getLong(1);
        }
        new DroppedReadingsAlerts(
                rig.server.database().dataSource(),
                () -> List.of(new GatewayFleet.Drops(SITE, "gw-status", dropped, 0)),
                new AlertStore(Set.of(), List.of()),
                () -> true,
                Clock.systemUTC())
            .check(Instant.now().plus(Duration.ofMinutes(61)));
        assertThat(droppedAlert(port, rig.station, "resolved")).isNotNull();

        // The plant page, for the technician.
        var html = Probe.get(page.port(), "/");
        assertThat(html.status()).isEqualTo(200);
        assertThat(html.body())
            .contains("Gateway gw-status")
            .contains("outlet")
            .contains("answering");
        var json = Probe.get(page.port(), "/status");
        assertThat(new JsonObject(json.body()).getJsonObject("status").getLong("dropped"))
            .isGreaterThan(200);
      }
      // Closed: its last word is offline.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> "offline".equals(gateway(port, "gw-status").getString("state")));
      assertThat(
              Probe.metric(
                  port, "outfall_gateway_online{gateway=\"gw-status\",site=\"" + SITE + "\"}"))
          .isEqualTo(0.0);

      // A gateway whose clock is two minutes slow (its status says so): the skew is measured.
      MqttClient slow =
          new MqttClient(
              services.mqttUrl(), "gw-slow-" + System.nanoTime(), new MemoryPersistence());
      slow.connect();
      long clock = System.currentTimeMillis() - 120_000;
      MqttMessage m =
          new MqttMessage(
              ("{\"state\":\"online\",\"clock_ms\":" + clock + ",\"status\":{\"buffered\":3}}")
                  .getBytes(StandardCharsets.UTF_8));
      m.setQos(1);
      slow.publish(Topics.topic(SITE, "gw-slow", Topics.Kind.STATUS), m);
      slow.disconnect();
      slow.close();
      JsonObject skewed =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> gateway(port, "gw-slow"), g -> g != null);
      assertThat(skewed.getLong("clock_skew_ms")).isBetween(120_000L, 125_000L);
      assertThat(
              Probe.metric(
                  port,
                  "outfall_gateway_clock_skew_seconds{gateway=\"gw-slow\",site=\"" + SITE + "\"}"))
          .isBetween(120.0, 125.0);
    }
  }

  /**
   * A technician replaces the energy meter and records it on the gateway (the command line); the
   * gateway's status carries it, the server records it once as its plant's, and a change the
   * gateway claims for another plant's station is refused.
   */
  @Test
  void aMeterReplacedAtThePlantIsRecordedFromTheGatewaysStatus() throws Exception {
    String site = "it-meters";
    try (PlantRig rig = PlantRig.start("gatewaymeters", "ST-IT-MTR")) {
      int port = rig.server.httpPort();
      Path yaml = rig.dir.resolve("gw-meters.yaml");
      Files.writeString(yaml, rig.gatewayYaml("gw-meters", site, Duration.ofMillis(500)));
      // another plant's station, known to the server
      try (TestPublisher other =
          new TestPublisher(rig.services.mqttUrl(), "it-other-plant", "gw-other")) {
        other.publish(
            new ReadingsBatch(
                "gw-other",
                1,
                System.currentTimeMillis(),
                List.of(
                    new Reading(
                        "ST-OTHER-PLANT",
                        "energy",
                        System.currentTimeMillis(),
                        10,
                        "kWh",
                        DeviceStatus.MEASURING))));
      }
      var config = GatewayConfigYaml.parse(Files.readString(yaml));
      try (Gateway gw = Gateway.start(config)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.stored() > 0);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.get(port, "/api/stations/ST-OTHER-PLANT/meters").status() == 200);
        Instant at = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        Cli.Run recorded =
            Cli.run(
                "gateway",
                "meter-change",
                "--config",
                yaml.toString(),
                "--station",
                rig.station,
                "--parameter",
                "energy",
                "--old-final",
                "1234.5",
                "--new-start",
                "0",
                "--at",
                at.toString(),
                "--note",
                "sét đánh");
        assertThat(recorded.exit()).as(recorded.err()).isZero();
        Cli.Run wrong =
            Cli.run(
                "gateway",
                "meter-change",
                "--config",
                yaml.toString(),
                "--station",
                rig.station,
                "--parameter",
                "COD_X",
                "--old-final",
                "1",
                "--new-start",
                "0");
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err()).contains("no point of station " + rig.station + " reads COD_X");
        // a gateway that claims a change for another plant's station (written past the command)
        List<MeterChanges.MeterChange> claimed = new ArrayList<>(MeterChanges.read(config));
        claimed.add(
            new MeterChanges.MeterChange(
                "ST-OTHER-PLANT", "energy", at.toEpochMilli(), 50, 0, null, at.toEpochMilli()));
        Files.writeString(
            MeterChanges.file(config),
            new JsonArray(
                    claimed.stream()
                        .map(
                            c ->
                                new JsonObject()
                                    .put("station", c.station())
                                    .put("parameter", c.parameter())
                                    .put("at_ms", c.atMs())
                                    .put("old_final", c.oldFinal())
                                    .put("new_start", c.newStart())
                                    .put("note", c.note())
                                    .put("recorded_at_ms", c.recordedAtMs()))
                        .toList())
                .encode());

        JsonObject meters =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        new JsonObject(
                            Probe.get(port, "/api/stations/" + rig.station + "/meters").body()),
                    m -> !m.getJsonArray("meters").isEmpty());
        JsonObject change =
            meters.getJsonArray("meters").getJsonObject(0).getJsonArray("changes").getJsonObject(0);
        assertThat(change.getString("at")).isEqualTo(at.toString());
        assertThat(change.getDouble("old_final")).isEqualTo(1234.5);
        assertThat(change.getString("note")).isEqualTo("sét đánh");
        assertThat(change.getString("recorded_by")).isEqualTo("gateway " + site + "/gw-meters");
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    Probe.metric(port, "outfall_gateway_meter_changes_total{outcome=\"refused\"}")
                        >= 1);
        // statuses every 5 s repeat the change: still one row, recorded once
        Thread.sleep(11_000);
        assertThat(
                Probe.count(
                    rig.db,
                    rig.services.dbUser(),
                    rig.services.dbPassword(),
                    "SELECT count(*) FROM meter_changes"))
            .isEqualTo(1);
        assertThat(Probe.metric(port, "outfall_gateway_meter_changes_total{outcome=\"recorded\"}"))
            .isEqualTo(1.0);
        assertThat(
                new JsonObject(Probe.get(port, "/api/stations/ST-OTHER-PLANT/meters").body())
                    .getJsonArray("meters"))
            .isEmpty();
      }
    }
  }

  /** The station's open readings_dropped alert, or null. */
  private static JsonObject droppedAlert(int port, String station) {
    return droppedAlert(port, station, "active");
  }

  /** The station's readings_dropped alert in a state (active, resolved), or null. */
  private static JsonObject droppedAlert(int port, String station, String state) {
    var answer = Probe.get(port, "/api/alerts?state=" + state + "&station=" + station);
    if (answer.status() != 200) return null;
    var items = new JsonObject(answer.body()).getJsonArray("items");
    for (int i = 0; i < items.size(); i++)
      if ("readings_dropped".equals(items.getJsonObject(i).getString("kind")))
        return items.getJsonObject(i);
    return null;
  }

  private static JsonObject gateway(int port, String id) {
    var answer = Probe.get(port, "/api/gateways");
    if (answer.status() != 200) return null;
    var list = new JsonObject(answer.body()).getJsonArray("gateways");
    for (int i = 0; i < list.size(); i++)
      if (list.getJsonObject(i).getString("gateway").equals(id)) return list.getJsonObject(i);
    return null;
  }
}

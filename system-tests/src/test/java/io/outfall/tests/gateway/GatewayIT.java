package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.drill.TcpProxy;
import io.outfall.gateway.Gateway;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.tests.testing.Probe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Simulator → Modbus → gateway → broker → ingest → database, with the link to the broker cut while
 * the gateway keeps polling, and the gateway restarted in the middle of the outage: every polled
 * reading is stored exactly once (counted).
 */
class GatewayIT {
  static final String STATION = "GW-IT-OUT";

  @Test
  void nothingPolledIsLostThroughALinkOutageAndARestart() throws Exception {
    try (PlantRig rig = PlantRig.start("gateway", STATION)) {
      TcpProxy link = rig.link;
      GatewayConfig config =
          GatewayConfigYaml.parse(rig.gatewayYaml("gw-it", "it-gateway", Duration.ofSeconds(1)));
      Gateway first = Gateway.start(config);
      await().atMost(Duration.ofSeconds(30)).until(() -> rig.stored() >= 18);

      // The link drops; polling goes on into the buffer.
      link.cut();
      long polledAtCut = first.status().polled();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> first.status().polled() >= polledAtCut + 27);
      assertThat(first.status().buffered()).isGreaterThanOrEqualTo(27);
      // The gateway restarts during the outage: the buffer is on disk. Its counts are read once it
      // is closed: it polls until then.
      first.close();
      long polledByFirst = first.status().polled();
      long sentByFirst = first.status().sent();
      Gateway second = Gateway.start(config);
      assertThat(second.status().buffered()).isGreaterThanOrEqualTo(27);
      Thread.sleep(3_000);
      link.restore();
      rig.stopPollingAndDrain(second, Duration.ofSeconds(60));
      second.close();
      long polled = polledByFirst + second.status().polled();
      long sent = sentByFirst + second.status().sent();
      await().atMost(Duration.ofSeconds(30)).until(() -> rig.stored() == polled);
      System.out.printf(
          "[gateway outage] polled=%d sent=%d stored=%d resent=%d lost=%d%n",
          polled, sent, rig.stored(), sent - polled, polled - rig.stored());
      assertThat(rig.stored()).isEqualTo(polled);
      assertThat(sent).as("every reading sent at least once").isGreaterThanOrEqualTo(polled);
    }
  }

  @Test
  void batchesInFlightWhenTheLinkGoesSilentAreSentAgain() throws Exception {
    try (PlantRig rig = PlantRig.start("gatewaysilent", STATION)) {
      TcpProxy link = rig.link;
      GatewayConfig config =
          GatewayConfigYaml.parse(
              rig.gatewayYaml("gw-silent", "it-gateway", Duration.ofSeconds(1))
                  .replace("batch_max_delay: 1s}", "batch_max_delay: 1s, keep_alive: 5s}"));
      Gateway gw = Gateway.start(config);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.status().sent() >= 18);
      // The link goes silent: TCP stays up, nothing arrives, PUBACKs included. Batches published
      // now are in flight with no acknowledgement; the gateway finds out only by its timeouts.
      link.blackhole();
      long polledAtSilence = gw.status().polled();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> gw.status().unacknowledgedBatches() >= 1 && !gw.status().connected());
      assertThat(gw.status().polled()).isGreaterThan(polledAtSilence);
      link.heal();
      rig.stopPollingAndDrain(gw, Duration.ofSeconds(60));
      gw.close();
      long polled = gw.status().polled();
      await().atMost(Duration.ofSeconds(30)).until(() -> rig.stored() >= polled);
      System.out.printf(
          "[silent link] polled=%d sent=%d unacknowledged_batches=%d stored=%d lost=%d%n",
          polled,
          gw.status().sent(),
          gw.status().unacknowledgedBatches(),
          rig.stored(),
          polled - rig.stored());
      assertThat(rig.stored()).isEqualTo(polled);
    }
  }

  @Test
  void liveReadingsGoOutAheadOfADrainingBacklog() throws Exception {
    String station = "GW-LIVE-OUT";
    try (PlantRig rig = PlantRig.start("gatewaylive", station)) {
      TcpProxy link = rig.link;
      // The backlog drains at 10 readings a second (one batch of 10 per second); the plant
      // produces 10 a second.
      GatewayConfig config =
          GatewayConfigYaml.parse(
              rig.gatewayYaml("gw-live", "it-gateway", Duration.ofSeconds(1))
                  .replace("batch_max_readings: 100", "batch_max_readings: 10")
                  .replace(
                      "batch_max_delay: 1s}", "batch_max_delay: 1s, max_batches_per_second: 1}"));
      Gateway gw = Gateway.start(config);
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.status().sent() >= 18);
      link.cut();
      long atCut = gw.status().polled();
      await().atMost(Duration.ofSeconds(40)).until(() -> gw.status().polled() >= atCut + 180);
      long polledInOutage = gw.status().polled();
      long restoredAt = System.currentTimeMillis();
      link.restore();
      // A reading polled after the link came back is stored while most of the backlog waits.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Probe.count(
                          rig.db,
                          rig.services.dbUser(),
                          rig.services.dbPassword(),
                          "SELECT count(*) FROM readings r JOIN stations st ON st.id = r.station_id"
                              + " WHERE st.code = '"
                              + station
                              + "' AND r.ts > to_timestamp("
                              + restoredAt / 1000.0
                              + ")")
                      > 0);
      long storedThen = rig.stored();
      long waiting = polledInOutage - storedThen;
      System.out.printf(
          "[live during drain] first live reading stored %d ms after the link returned, with %d"
              + " of the backlog still waiting%n",
          System.currentTimeMillis() - restoredAt, waiting);
      assertThat(waiting).as("live data did not wait for the backlog").isGreaterThan(90);
      rig.stopPollingAndDrain(gw, Duration.ofSeconds(90));
      gw.close();
      long polled = gw.status().polled();
      await().atMost(Duration.ofSeconds(30)).until(() -> rig.stored() >= polled);
      assertThat(rig.stored()).isEqualTo(polled);
      assertThat(gw.status().backlogSent()).isGreaterThanOrEqualTo(polledInOutage - atCut);
    }
  }
}

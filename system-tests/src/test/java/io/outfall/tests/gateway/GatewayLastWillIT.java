package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.gateway.Gateway;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.tests.testing.Probe;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A gateway that dies or goes silent is shown offline by its last will, which the broker sends once
 * it gives the connection up: at once when the gateway's process is killed (its kernel closes the
 * socket), within 1.5 × the keep-alive when the link goes silent (MQTT 3.1.2.10: the broker waits
 * that long for any packet). Measured from the failure to {@code /api/gateways} saying offline.
 */
class GatewayLastWillIT {
  private static final String SITE = "it-lastwill";
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(4);
  private static final long BOUND_MS = KEEP_ALIVE.toMillis() * 3 / 2;

  @Test
  void aGatewayKilledWithSigkillIsShownOfflineWithinOneAndAHalfKeepAlives() throws Exception {
    try (PlantRig rig = PlantRig.start("lastwill_kill", "LW-KILL-OUT")) {
      Path config = rig.dir.resolve("gateway.yaml");
      Files.writeString(config, yaml(rig, "gw-kill"));
      String jar = System.getProperty("outfall.jar");
      assertThat(jar).as("outfall.jar, built by mvn verify").isNotNull();
      assertThat(new File(jar)).isFile();
      String java = ProcessHandle.current().info().command().orElse("java");
      Process gateway =
          new ProcessBuilder(
                  java, "-Xmx128m", "-jar", jar, "gateway", "--config", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(rig.dir.resolve("gateway.log").toFile())
              .start();
      try {
        awaitState(rig, "gw-kill", "online", Duration.ofSeconds(60));
        gateway.destroyForcibly(); // SIGKILL: no shutdown hook, no offline message of its own
        long killed = System.nanoTime();
        gateway.waitFor();
        long ms = awaitState(rig, "gw-kill", "offline", Duration.ofSeconds(30), killed);
        System.out.printf(
            "[last-will] gateway process SIGKILLed: shown offline after %d ms (keep-alive %d s,"
                + " bound %d ms)%n",
            ms, KEEP_ALIVE.toSeconds(), BOUND_MS);
        assertThat(ms).isLessThanOrEqualTo(BOUND_MS);
      } finally {
        gateway.destroyForcibly();
      }
    }
  }

  @Test
  void aGatewayWhoseLinkGoesSilentIsShownOfflineWithinOneAndAHalfKeepAlives() throws Exception {
    try (PlantRig rig = PlantRig.start("lastwill_silent", "LW-SILENT-OUT");
        Gateway gateway = Gateway.start(GatewayConfigYaml.parse(yaml(rig, "gw-silent")))) {
      awaitState(rig, "gw-silent", "online", Duration.ofSeconds(60));
      rig.link.blackhole(); // the connection stays open; nothing crosses it either way
      long silent = System.nanoTime();
      long ms = awaitState(rig, "gw-silent", "offline", Duration.ofSeconds(30), silent);
      // The broker counts 1.5 x keep-alive from the last packet it received (up to a second
      // before the silence: a batch a second), in whole seconds. Mosquitto 2.0 also looks only
      // every sixth second (src/keepalive.c: last_keepalive_check + 5 < db.now_s).
      long slack = rig.services.external() ? 8_000 : 2_500;
      System.out.printf(
          "[last-will] gateway's link silent: shown offline after %d ms on %s (keep-alive %d s,"
              + " 1.5 x keep-alive %d ms, allowed %d ms)%n",
          ms, rig.services.describe(), KEEP_ALIVE.toSeconds(), BOUND_MS, BOUND_MS + slack);
      assertThat(ms).isLessThanOrEqualTo(BOUND_MS + slack);
    }
  }

  private static String yaml(PlantRig rig, String gateway) {
    String y = rig.gatewayYaml(gateway, SITE, Duration.ofSeconds(1));
    String withKeepAlive =
        y.replace(
            "batch_max_delay: 1s}",
            "batch_max_delay: 1s, keep_alive: " + KEEP_ALIVE.toSeconds() + "s}");
    assertThat(withKeepAlive).isNotEqualTo(y);
    return withKeepAlive;
  }

  private static void awaitState(PlantRig rig, String gateway, String state, Duration within) {
    await().atMost(within).until(() -> state.equals(state(rig, gateway)));
  }

  /** Milliseconds from {@code sinceNanos} until the server shows the state (polled every 50 ms). */
  private static long awaitState(
      PlantRig rig, String gateway, String state, Duration within, long sinceNanos)
      throws InterruptedException {
    while (!state.equals(state(rig, gateway))) {
      if (System.nanoTime() - sinceNanos > within.toNanos())
        throw new AssertionError(gateway + " not " + state + " after " + within);
      Thread.sleep(50);
    }
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }

  private static String state(PlantRig rig, String gateway) {
    var answer = Probe.get(rig.server.httpPort(), "/api/gateways");
    if (answer.status() != 200) return null;
    var list = new JsonObject(answer.body()).getJsonArray("gateways");
    for (int i = 0; i < list.size(); i++) {
      var g = list.getJsonObject(i);
      // by site too: a long-lived broker holds other tests' gateways of the same name
      if (g.getString("site").equals(SITE) && g.getString("gateway").equals(gateway))
        return g.getString("state");
    }
    return null;
  }
}

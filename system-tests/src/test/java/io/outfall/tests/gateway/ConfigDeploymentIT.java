package io.outfall.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.gateway.Gateway;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfigYaml;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

/**
 * The server side of configuration deployment against a real broker, two real gateways and the
 * plant simulator: validation names the bad field; versions are immutable and carry their diff; a
 * deployment to a site reaches both gateways and completes; a configuration one gateway cannot
 * apply is rolled back there and fails its rollout; a gateway offline at deploy time applies it
 * when it comes back; a gateway that never answers times out; every step is in the audit log.
 */
class ConfigDeploymentIT {
  static final String SITE = "it-deploy";
  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void versionsDeployToGatewaysAndEveryOutcomeIsTracked() throws Exception {
    try (PlantRig rig = PlantRig.start("deploy", "DEP-IT-OUT")) {
      int port = rig.server.httpPort();
      clearRetained(rig.services.mqttUrl(), "gw-a", "gw-b");
      String key =
          new JsonObject(Probe.get(port, "/api/config-signing-key").body()).getString("public_key");
      Gateway a = Gateway.start(GatewayConfigYaml.parse(local(rig, "gw-a", key)));
      Gateway b = Gateway.start(GatewayConfigYaml.parse(local(rig, "gw-b", key)));
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Probe.get(port, "/api/gateways").body().contains("\"gw-b\""));

        // Validation names the field; nothing is stored.
        var bad =
            post(
                port,
                "/api/configs/validate",
                remote("bad-1", rig.modbusPort, 500).replace("register: 0,", "register: -3,"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("devices[0].points[0].register");
        assertThat(post(port, "/api/configs/plant?message=first", "devices: []\n").body())
            .contains("version: required");

        // Versions: stored once, immutable, with the diff to the previous one.
        String v1 = remote("dep-1", rig.modbusPort, 500);
        var stored = new JsonObject(post(port, "/api/configs/plant?message=first", v1).body());
        assertThat(stored.getInteger("seq")).isEqualTo(1);
        assertThat(new JsonObject(post(port, "/api/configs/plant", v1).body()).getInteger("seq"))
            .isEqualTo(1);
        assertThat(
                post(port, "/api/configs/plant", v1.replace("period: 500ms", "period: 700ms"))
                    .body())
            .contains("already plant #1 with other content");
        int deadPort = TestServices.freePort();
        var v2 =
            new JsonObject(
                post(port, "/api/configs/plant?message=dead+device", remote("dep-2", deadPort, 500))
                    .body());
        assertThat(v2.getInteger("seq")).isEqualTo(2);
        assertThat(v2.getJsonArray("diff").getList())
            .contains("- version: dep-1", "+ version: dep-2");
        String v3 = remote("dep-3", rig.modbusPort, 400);
        assertThat(post(port, "/api/configs/plant", v3).statusCode()).isEqualTo(201);

        // 1. A good version to the whole site: both gateways apply it.
        JsonObject r1 = deploy(port, "plant", 1, "site:" + SITE, 60);
        JsonObject done1 = awaitRollout(port, r1.getLong("id"));
        assertThat(done1.getString("state")).isEqualTo("completed");
        assertThat(done1.getJsonObject("counts").getInteger("applied")).isEqualTo(2);

        // 2. A version with a device that never answers, to gw-a: rolled back there, rollout
        // failed.
        JsonObject done2 =
            awaitRollout(port, deploy(port, "plant", 2, SITE + "/gw-a", 60).getLong("id"));
        assertThat(done2.getString("state")).isEqualTo("failed");
        JsonObject gwA = done2.getJsonArray("gateways").getJsonObject(0);
        assertThat(gwA.getString("state")).isEqualTo("rolled_back");
        assertThat(gwA.getString("reason")).contains("no answer");

        // 3. gw-b is offline when v3 is deployed to it: delivered (retained), applied on return.
        b.close();
        JsonObject r3 = deploy(port, "plant", 3, SITE + "/gw-b", 120);
        assertThat(r3.getJsonArray("gateways").getJsonObject(0).getString("state"))
            .isEqualTo("delivered");
        b = Gateway.start(GatewayConfigYaml.parse(local(rig, "gw-b", key)));
        JsonObject done3 = awaitRollout(port, r3.getLong("id"));
        assertThat(done3.getString("state")).isEqualTo("completed");

        // 4. A gateway that never answers times out.
        JsonObject done4 =
            awaitRollout(port, deploy(port, "plant", 3, SITE + "/gw-ghost", 2).getLong("id"));
        assertThat(done4.getString("state")).isEqualTo("failed");
        assertThat(done4.getJsonArray("gateways").getJsonObject(0).getString("state"))
            .isEqualTo("timed_out");

        // Deploying v1 again to gw-a, which already answered it, settles from its retained ack.
        JsonObject done5 =
            awaitRollout(port, deploy(port, "plant", 1, SITE + "/gw-a", 30).getLong("id"));
        assertThat(done5.getString("state")).isEqualTo("completed");

        // 5. Canary of half the site (gw-a) with the dead device: rolled back there, the rollout
        // halts and gw-b never gets it.
        JsonObject halted =
            awaitRollout(
                port, deploy(port, "plant", 2, "site:" + SITE, 60, 50, false).getLong("id"));
        assertThat(halted.getString("state")).isEqualTo("halted");
        assertThat(states(halted)).isEqualTo("gw-a=rolled_back gw-b=skipped");

        // 6. Canary passes, then promoted by hand; and one promoted by itself.
        JsonObject passed =
            awaitRollout(
                port, deploy(port, "plant", 1, "site:" + SITE, 60, 50, false).getLong("id"));
        assertThat(passed.getString("state")).isEqualTo("canary_passed");
        assertThat(states(passed)).isEqualTo("gw-a=applied gw-b=waiting");
        var promoted = post(port, "/api/rollouts/" + passed.getLong("id") + "/promote", "");
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        JsonObject done6 = awaitRollout(port, passed.getLong("id"));
        assertThat(done6.getString("state")).isEqualTo("completed");
        assertThat(states(done6)).isEqualTo("gw-a=applied gw-b=applied");
        assertThat(
                post(port, "/api/rollouts/" + passed.getLong("id") + "/promote", "").statusCode())
            .isEqualTo(400);
        long autoId = deploy(port, "plant", 3, "site:" + SITE, 60, 50, true).getLong("id");
        JsonObject auto =
            await() // passes its canary, promotes itself, completes
                .atMost(Duration.ofSeconds(60))
                .until(
                    () -> new JsonObject(Probe.get(port, "/api/rollouts/" + autoId).body()),
                    r ->
                        r.getString("state").equals("completed")
                            || r.getString("state").equals("failed"));
        assertThat(auto.getString("state")).isEqualTo("completed");
        assertThat(states(auto)).isEqualTo("gw-a=applied gw-b=applied");

        // 7. Tags as targets. A canary of two where one applies and one cannot (gw-a's spare
        // analyzer is dead; gw-b's own file places it on the live simulator): the rollout halts,
        // the gateway that applied it is sent back what it ran before, the third never gets it.
        var badTag = send(port, "PUT", "/api/gateway-tags/pilot", tag(SITE + "/gw-a", "nonsense"));
        assertThat(badTag.statusCode()).isEqualTo(400);
        assertThat(badTag.body()).contains("gateways[1]: site/gateway is required");
        var pilot =
            send(
                port,
                "PUT",
                "/api/gateway-tags/pilot",
                tag(SITE + "/gw-a", SITE + "/gw-b", SITE + "/gw-ghost"));
        assertThat(pilot.statusCode()).as(pilot.body()).isEqualTo(200);
        assertThat(Probe.get(port, "/api/gateway-tags").body())
            .contains("\"tag\":\"pilot\"", "\"" + SITE + "/gw-ghost\"");
        String v4 =
            remote("dep-4", rig.modbusPort, 500)
                + RemoteConfigIT.remoteDevice(deadPort, 500, "spare").replace("devices:\n", "");
        assertThat(post(port, "/api/configs/plant?message=spare+analyzer", v4).statusCode())
            .isEqualTo(201);
        JsonObject split =
            awaitRollout(port, deploy(port, "plant", 4, "tag:pilot", 60, 60, false).getLong("id"));
        assertThat(split.getString("state")).isEqualTo("halted");
        JsonObject reverted =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        new JsonObject(
                            Probe.get(port, "/api/rollouts/" + split.getLong("id")).body()),
                    r -> !states(r).contains("reverting"));
        assertThat(states(reverted))
            .isEqualTo("gw-a=rolled_back gw-b=rolled_back gw-ghost=skipped");
        JsonObject gwB = reverted.getJsonArray("gateways").getJsonObject(1);
        assertThat(gwB.getString("previous")).isEqualTo("dep-3");
        assertThat(gwB.getString("reason")).isEqualTo("reverted to dep-3 after the canary failed");
        Gateway running = b;
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> running.status().configVersion().equals("dep-3"));
        assertThat(a.status().configVersion()).isEqualTo("dep-3");

        // 8. Manual rollback to an earlier version, audited as such; not to the latest.
        var notEarlier = post(port, "/api/rollouts", rollback(4, "site:" + SITE));
        assertThat(notEarlier.statusCode()).isEqualTo(400);
        assertThat(notEarlier.body()).contains("#4 is the latest of plant");
        var back = post(port, "/api/rollouts", rollback(1, "site:" + SITE));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(201);
        JsonObject backDone = awaitRollout(port, new JsonObject(back.body()).getLong("id"));
        assertThat(backDone.getString("action")).isEqualTo("rollback");
        assertThat(backDone.getString("state")).isEqualTo("completed");
        assertThat(states(backDone)).isEqualTo("gw-a=applied gw-b=applied");
        assertThat(a.status().configVersion()).isEqualTo("dep-1");
        assertThat(b.status().configVersion()).isEqualTo("dep-1");

        // 9. The same from the command line: deploy a file with a canary, follow it, read it back.
        Path file = rig.dir.resolve("plant.yaml");
        Files.writeString(file, v3);
        String server = "http://127.0.0.1:" + port;
        // the CLI acts as the engineer whose API token is in the file
        cliToken = rig.dir.resolve("cli-engineer.token");
        Files.writeString(cliToken, Probe.tokenFor(port, "cli-engineer", "engineer") + "\n");
        Cli.Run deployed =
            cli(
                "config",
                "deploy",
                file.toString(),
                "--to",
                "site:" + SITE,
                "--canary",
                "50%",
                "--auto-promote",
                "--server",
                server);
        assertThat(deployed.exit()).as(deployed.printed()).isZero();
        assertThat(deployed.out())
            .contains("plant #3 (version dep-3")
            .contains("to site:" + SITE + "): completed applied=2");
        String rolloutId = deployed.out().replaceAll("(?s).*?rollout (\\d+) .*", "$1");
        JsonObject viaCli = new JsonObject(Probe.get(port, "/api/rollouts/" + rolloutId).body());
        assertThat(viaCli.getInteger("canary_percent")).isEqualTo(50);
        assertThat(viaCli.getBoolean("auto_promote")).isTrue();
        assertThat(viaCli.getString("created_by")).isEqualTo("cli-engineer");
        Cli.Run status = cli("config", "status", rolloutId, "--server", server);
        assertThat(status.exit()).isZero();
        assertThat(status.out())
            .contains(SITE + "/gw-a")
            .contains(SITE + "/gw-b")
            .contains("applied");
        assertThat(
                cli("config", "rollback", "plant", "1", "--to", "site:" + SITE, "--server", server)
                    .exit())
            .isZero();
        Cli.Run refused =
            cli("config", "rollback", "plant", "9", "--to", "site:" + SITE, "--server", server);
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("no configuration plant #9");
        assertThat(
                cli(
                        "config",
                        "deploy",
                        file.toString(),
                        "--to",
                        "all",
                        "--canary",
                        "150%",
                        "--server",
                        server)
                    .exit())
            .isEqualTo(2);
        assertThat(cli("config", "status", "1", "--server", "http://127.0.0.1:1").err())
            .contains("cannot reach the server at http://127.0.0.1:1");

        String audit = Probe.get(port, "/api/config-audit").body();
        assertThat(audit)
            .contains(
                "\"action\":\"halted\"", "\"action\":\"canary_passed\"", "\"action\":\"promote\"");
        assertThat(audit)
            .contains(
                "\"action\":\"store\"",
                "\"action\":\"deploy\"",
                "\"action\":\"completed\"",
                "\"action\":\"failed\"");
        assertThat(audit)
            .contains(
                "\"actor\":\"engineer-lan\"", "\"action\":\"tag\"", "\"actor\":\"cli-engineer\"");
        // the revert, the manual rollback by API and the one by CLI
        assertThat(audit.split("\"action\":\"rollback\"", -1)).hasSize(4);
      } finally {
        a.close();
        b.close();
      }
    }
  }

  /**
   * A gateway's own file: the rig's plant, this server's public key, a short apply grace; gw-b's
   * spare analyzer is on the live simulator.
   */
  private static String local(PlantRig rig, String gateway, String key) throws Exception {
    // a directory of its own: the buffer and the applied configuration live there
    Files.createDirectories(rig.dir.resolve(gateway));
    return rig.gatewayYaml(gateway, SITE, Duration.ofSeconds(1))
            .replace(
                rig.dir.resolve("buffer.db").toString(),
                rig.dir.resolve(gateway).resolve("buffer.db").toString())
        + "remote: {config_key: \""
        + key
        + "\", apply_grace: 3s"
        + (gateway.equals("gw-b")
            ? ", device_addresses: {spare: \"127.0.0.1:" + rig.modbusPort + "\"}"
            : "")
        + "}\n";
  }

  private static Path cliToken;

  /**
   * Runs the CLI in this JVM, as the engineer whose token is in {@link #cliToken}: exit status,
   * standard output, standard error.
   */
  private static Cli.Run cli(String... given) {
    String[] args = Arrays.copyOf(given, given.length + 2);
    args[given.length] = "--token-file";
    args[given.length + 1] = cliToken.toString();
    return Cli.run(args);
  }

  private static String tag(String... gateways) {
    return new JsonObject().put("gateways", new JsonArray(List.of(gateways))).encode();
  }

  private static String rollback(int seq, String target) {
    return new JsonObject()
        .put("config", "plant")
        .put("seq", seq)
        .put("target", target)
        .put("action", "rollback")
        .put("ack_timeout_seconds", 60)
        .encode();
  }

  /** A deployable configuration: a version label and the devices, no gateway ids. */
  private static String remote(String version, int modbusPort, int periodMs) {
    return RemoteConfigIT.remoteYaml(version, modbusPort, periodMs, "outlet");
  }

  private static JsonObject deploy(int port, String config, int seq, String target, int timeout)
      throws Exception {
    return deploy(port, config, seq, target, timeout, 100, false);
  }

  private static String states(JsonObject rollout) {
    return rollout.getJsonArray("gateways").stream()
        .map(JsonObject.class::cast)
        .map(g -> g.getString("gateway") + "=" + g.getString("state"))
        .collect(Collectors.joining(" "));
  }

  private static JsonObject deploy(
      int port, String config, int seq, String target, int timeout, int canary, boolean auto)
      throws Exception {
    var r =
        post(
            port,
            "/api/rollouts",
            new JsonObject()
                .put("config", config)
                .put("seq", seq)
                .put("target", target)
                .put("ack_timeout_seconds", timeout)
                .put("canary_percent", canary)
                .put("auto_promote", auto)
                .encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body());
  }

  private static JsonObject awaitRollout(int port, long id) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> new JsonObject(Probe.get(port, "/api/rollouts/" + id).body()),
            r -> !r.getString("state").equals("in_progress"));
  }

  private static HttpResponse<String> post(int port, String path, String body) throws Exception {
    return send(port, "POST", path, body);
  }

  private static HttpResponse<String> send(int port, String method, String path, String body)
      throws Exception {
    return http.send(
        Probe.as(
                Probe.tokenFor(port, "engineer-lan", "engineer"),
                URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Retained configs and acks of an earlier run on a persistent broker would be answered first. */
  private static void clearRetained(String url, String... gateways) throws Exception {
    MqttClient c =
        new MqttClient(url, "it-deploy-clear-" + System.nanoTime(), new MemoryPersistence());
    c.connect(MqttConnect.options(url, null, null));
    for (String g : gateways)
      for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.CONFIG, Topics.Kind.CONFIG_ACK}) {
        MqttMessage empty = new MqttMessage(new byte[0]);
        empty.setRetained(true);
        empty.setQos(1);
        c.publish(Topics.topic(SITE, g, kind), empty);
      }
    c.disconnect();
    c.close();
  }
}

package io.outfall.tests.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.compliance.standards.Limit;
import io.outfall.compliance.standards.Standard;
import io.outfall.compliance.standards.StandardsCatalog;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.storage.Database;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every parameter of every shipped standard, live: for each standard and column, a station under a
 * permit that names every parameter with a limit in that column; its plant's own gateway account
 * (on a broker that enforces accounts) publishes one averaging window of each parameter outside its
 * limit, and each is stored and judged: one breach alert per parameter. The walk is driven by the
 * catalog files, so a parameter added to a standard is tested without touching this test.
 */
class StandardParametersIT {
  static final String SITE = "it-std";
  static final String GATEWAY = "gw-1";
  static TestServices services;
  static Path dir;
  static String db;
  static Database accountsDb;
  static EmbeddedBroker broker;
  static IngestServer server;
  static MqttClient gateway;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    dir = Files.createTempDirectory("outfall-standard-parameters");
    db = services.newDatabase("stdparams");
    accountsDb =
        Database.open(db, services.dbUser(), services.dbPassword(), 2, Duration.ofSeconds(30));
    BrokerAccounts accounts = new BrokerAccounts(accountsDb.dataSource());
    String ingestSecret = accounts.issue(BrokerAccount.service("it-stdparams"));
    String gatewaySecret = accounts.issue(BrokerAccount.gateway(SITE, GATEWAY));
    broker =
        EmbeddedBroker.start(dir.resolve("broker"), TestServices.freePort(), false, null, accounts);
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "stdparams")
                .with(Setting.MQTT_URL, broker.url())
                .with(Setting.MQTT_USERNAME, "it-stdparams")
                .with(Setting.MQTT_PASSWORD, ingestSecret)
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
    gateway =
        new MqttClient(
            broker.url(), MqttConnect.gatewayClientId(SITE, GATEWAY), new MemoryPersistence());
    gateway.connect(
        MqttConnect.options(
            broker.url(), BrokerAccount.gatewayUsername(SITE, GATEWAY), gatewaySecret));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) gateway.disconnect();
    if (server != null) server.close();
    if (broker != null) broker.close();
    if (accountsDb != null) accountsDb.close();
  }

  /** One station per standard and column: what it is held to, parameter by parameter. */
  record Case(String station, Standard standard, String column, Map<String, Limit> limits) {}

  @Test
  void everyParameterOfEveryStandardIsStoredAndJudged() throws Exception {
    StandardsCatalog standards = StandardsCatalog.shipped();
    ParameterCatalog parameters = ParameterCatalog.shipped();
    List<Case> cases = new ArrayList<>();
    Map<String, Set<String>> covered = new LinkedHashMap<>();
    int n = 0;
    for (String name : standards.names()) {
      Standard std = standards.get(name);
      for (String column : std.columns().keySet()) {
        Map<String, Limit> limits = new LinkedHashMap<>();
        std.parameters()
            .forEach(
                (code, p) -> {
                  Limit l = p.limit(column, null);
                  if (l != null) limits.put(code, l);
                });
        if (limits.isEmpty()) continue;
        cases.add(new Case("IT-STD-" + (++n), std, column, limits));
        covered.computeIfAbsent(name, k -> new TreeSet<>()).addAll(limits.keySet());
      }
      // the walk covers the whole standard, not only what one column limits
      assertThat(covered.get(name))
          .as(name)
          .containsExactlyInAnyOrderElementsOf(std.parameters().keySet());
    }
    assertThat(standards.names()).contains("QCVN 40:2011/BTNMT", "QCVN 14:2008/BTNMT");

    // /api/parameters lists each with its unit and the standards that use it
    JsonArray listed =
        new JsonObject(Probe.get(server.httpPort(), "/api/parameters").body())
            .getJsonArray("items");
    Map<String, JsonObject> byCode =
        listed.stream()
            .map(JsonObject.class::cast)
            .collect(Collectors.toMap(o -> o.getString("code"), o -> o));
    for (var e : covered.entrySet())
      for (String code : e.getValue()) {
        assertThat(byCode).as("/api/parameters lists " + code).containsKey(code);
        assertThat(byCode.get(code).getJsonArray("standards").getList()).contains(e.getKey());
        assertThat(byCode.get(code).getString("unit")).isEqualTo(parameters.byCode(code).unit());
      }

    long window = Math.floorDiv(System.currentTimeMillis(), 10_000) * 10_000 + 10_000;
    int expectedReadings = 0;
    for (Case c : cases) {
      String coefficient = c.standard().coefficients().equals("k") ? "k: 1\n" : "kq: 1\nkf: 1\n";
      String permit =
          "station: %s\nstandard: %s\ncolumn: %s\n%sparameters: [%s]\naveraging: PT10S\n"
              .formatted(
                  c.station(),
                  c.standard().name(),
                  c.column(),
                  coefficient,
                  String.join(", ", c.limits().keySet()));
      // the station is registered by its first reading; a permit may come first
      var put =
          Probe.send(
              Probe.request(URI.create(base() + "/api/permits/" + c.station()))
                  .header("content-type", "text/yaml")
                  .PUT(HttpRequest.BodyPublishers.ofString(permit)));
      assertThat(put.status()).as(put.body()).isEqualTo(200);
      List<Reading> readings = new ArrayList<>();
      for (var e : c.limits().entrySet()) {
        double value = outside(e.getValue());
        String unit = parameters.byCode(e.getKey()).unit();
        for (int i = 0; i < 5; i++)
          readings.add(
              new Reading(
                  c.station(),
                  e.getKey(),
                  window + 2_000L * i,
                  value,
                  unit,
                  DeviceStatus.MEASURING));
      }
      publish(readings);
      expectedReadings += readings.size();
    }
    int total = expectedReadings;
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Probe.metric(server.httpPort(), "outfall_readings_stored_total") >= total);
    // nothing refused: every standard parameter is in the catalog with the unit the standard uses
    assertThat(
            Probe.count(
                db, services.dbUser(), services.dbPassword(), "SELECT count(*) FROM dead_letters"))
        .isZero();

    for (Case c : cases) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(breachedParameters(c.station()))
                      .as(c.standard().name() + " column " + c.column())
                      .containsExactlyInAnyOrderElementsOf(c.limits().keySet()));
      System.out.printf(
          "[standards] %s column %s (%s): %d parameters stored and breached%n",
          c.standard().name(), c.column(), c.station(), c.limits().size());
    }
  }

  /** A value the limit does not allow: twice a maximum, or one above a range. */
  static double outside(Limit l) {
    if (l instanceof Limit.Maximum m) return m.max() == 0 ? 1 : m.max() * 2;
    Limit.Range r = (Limit.Range) l;
    return r.max() + 1;
  }

  private static Set<String> breachedParameters(String station) {
    JsonArray items =
        new JsonObject(
                Probe.get(
                        server.httpPort(),
                        "/api/alerts?station=" + station + "&family=compliance&state=all&limit=200")
                    .body())
            .getJsonArray("items");
    Set<String> out = new LinkedHashSet<>();
    for (Object o : items) out.add(((JsonObject) o).getString("parameter"));
    return out;
  }

  private static void publish(List<Reading> readings) throws Exception {
    ReadingsCodec codec = new ReadingsCodec();
    for (int i = 0; i < readings.size(); i += 200) {
      ReadingsBatch batch =
          new ReadingsBatch(
              GATEWAY,
              System.nanoTime(),
              System.currentTimeMillis(),
              readings.subList(i, Math.min(readings.size(), i + 200)));
      MqttMessage m = new MqttMessage(codec.encode(batch, PayloadFormat.JSON));
      m.setQos(1);
      MqttProperties p = new MqttProperties();
      p.setContentType(PayloadFormat.JSON.contentType());
      m.setProperties(p);
      gateway.publish(Topics.readings(SITE, GATEWAY), m);
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + server.httpPort();
  }
}

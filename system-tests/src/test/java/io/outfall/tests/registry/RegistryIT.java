package io.outfall.tests.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Chromium;
import io.outfall.tests.testing.Cli;
import io.outfall.tests.testing.OverviewJson;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The registry as a province loads it, and the overview a regulator reads from it: clusters that
 * have no plant yet, a plant without a permit, a silent plant and a compliant one, each counted as
 * a regulator counts them; readings of stations no one registered held for an admin to accept or
 * discard (or, on an ingest that refuses them, parked as dead letters), counted either way.
 */
class RegistryIT {
  static final String REGISTRY =
      """
      type,code,name,parent,kind,district,status,treatment,latitude,longitude,receiving_water,design_capacity_m3_per_day,sampling
      cluster,CL-EMPTY,Làng nghề Chưa Có Trạm,,craft_village,Thường Tín,operating,required,,,,,
      cluster,CL-A,"Cụm công nghiệp A, Thanh Oai",,industrial_cluster,Thanh Oai,operating,exists,,,,,
      cluster,CL-B,Cụm công nghiệp B,,industrial_cluster,Hoài Đức,operating,exists,,,,,
      cluster,CL-C,Cụm công nghiệp C,,industrial_cluster,Chương Mỹ,operating,exists,,,,,
      cluster,CL-D,Cụm công nghiệp D (mới),,industrial_cluster,Mê Linh,new,required,,,,,
      cluster,CL-SELF,Cụm tự xử lý,,industrial_cluster,Gia Lâm,operating,not_required,,,,,
      plant,it-reg-a,Trạm XLNT A,CL-A,,,operating,,20.95,105.76,Sông Nhuệ,2000,
      plant,it-reg-b,Trạm XLNT B,CL-B,,,operating,,,,Sông Đáy,1200,
      plant,it-reg-c,Trạm XLNT C,CL-C,,,operating,,,,,,
      plant,it-reg-d,Trạm XLNT D,CL-D,,,under_construction,,,,,,
      station,IT-REG-A,Cửa xả A,it-reg-a,,,,,20.95,105.76,Sông Nhuệ,,1m
      station,IT-REG-B,Cửa xả B,it-reg-b,,,,,,,,,
      station,IT-REG-C,Cửa xả C,it-reg-c,,,,,,,,,"COD=1m,*=5m"
      """;

  static TestServices services;
  static String db;
  static IngestServer server;
  static TestPublisher gatewayA;
  static TestPublisher gatewayB;
  static TestPublisher gatewayC;

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    db = services.newDatabase("registry");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, "registry")
                .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "park")
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1));
    gatewayA = new TestPublisher(services.mqttUrl(), "it-reg-a", "gw-a");
    gatewayB = new TestPublisher(services.mqttUrl(), "it-reg-b", "gw-b");
    gatewayC = new TestPublisher(services.mqttUrl(), "it-reg-c", "gw-c");
    var imported = post("/api/registry/import", REGISTRY, "text/csv");
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    assertThat(new JsonObject(imported.body()).getInteger("clusters")).isEqualTo(6);
  }

  @AfterAll
  static void stop() throws Exception {
    for (TestPublisher g : List.of(gatewayA, gatewayB, gatewayC)) g.close();
    server.close();
    services.dropSession("it-registry");
  }

  @Test
  void theOverviewCountsWhatARegulatorCounts() throws Exception {
    String permit =
        "standard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD]\naveraging: PT10S\n";
    for (String station : List.of("IT-REG-A", "IT-REG-C"))
      assertThat(
              put("/api/permits/" + station, "station: " + station + "\n" + permit, "text/yaml")
                  .status())
          .isEqualTo(200);
    long now = System.currentTimeMillis() / 60_000 * 60_000;
    // A: a reading a minute for the last 20 minutes, all within its permit (COD 60 of 150)
    gatewayA.publish(minutes(gatewayA, "IT-REG-A", now - 20 * 60_000L, 21, 60));
    // B: reports the same way, but no permit says what it is held to
    gatewayB.publish(minutes(gatewayB, "IT-REG-B", now - 20 * 60_000L, 21, 60));
    // C: reported for 15 minutes two hours ago, silent since
    gatewayC.publish(minutes(gatewayC, "IT-REG-C", now - 120 * 60_000L, 15, 60));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.metric(server.httpPort(), "outfall_readings_stored_total") >= 57);

    // a station registered before it reported records the gateway that first reported it
    assertThat(
            new JsonObject(Probe.get(server.httpPort(), "/api/stations?site=it-reg-a").body())
                .getJsonArray("items").stream()
                    .map(JsonObject.class::cast)
                    .filter(st -> st.getString("code").equals("IT-REG-A"))
                    .findFirst()
                    .orElseThrow()
                    .getString("gateway"))
        .isEqualTo("gw-a");

    JsonObject o = new JsonObject(Probe.get(server.httpPort(), "/api/overview").body());
    JsonObject h = o.getJsonObject("headline");
    // the first screen: the same headline without the clusters, then the clusters page by page
    JsonObject first = new JsonObject(Probe.get(server.httpPort(), "/api/overview?limit=0").body());
    assertThat(first.getJsonObject("headline")).isEqualTo(h);
    assertThat(first.getJsonArray("clusters")).isEmpty();
    assertThat(first.getInteger("next_offset")).isZero();
    JsonObject page =
        new JsonObject(Probe.get(server.httpPort(), "/api/overview?offset=4&limit=4").body());
    assertThat(page.getInteger("clusters_total")).isEqualTo(6);
    assertThat(page.getJsonArray("clusters")).hasSize(2);
    assertThat(page.getJsonArray("clusters").getJsonObject(0))
        .isEqualTo(o.getJsonArray("clusters").getJsonObject(4));
    assertThat(page.getValue("next_offset")).isNull();
    // clusters: A compliant; B no permit; C no data; EMPTY and D (plant under construction) not
    // yet built; SELF needs no central plant and is not counted. 1 of 5.
    JsonObject clusters = h.getJsonObject("clusters");
    assertThat(clusters.getInteger("total")).isEqualTo(6);
    assertThat(clusters.getInteger("counted")).isEqualTo(5);
    assertThat(clusters.getInteger("compliant")).isEqualTo(1);
    assertThat(clusters.getDouble("share")).isEqualTo(0.2);
    assertThat(clusters.getJsonObject("by_state").getMap())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "compliant", 1, "no_permit", 1, "no_data", 1, "not_built", 2, "not_required", 1));
    // plants: A compliant, B no permit, C no data, D not yet built: 1 of 4
    JsonObject plants = h.getJsonObject("plants");
    assertThat(plants.getInteger("counted")).isEqualTo(4);
    assertThat(plants.getInteger("compliant")).isEqualTo(1);
    assertThat(plants.getDouble("share")).isEqualTo(0.25);
    // stations: A compliant, B no permit, C no data: 1 of 3
    JsonObject stations = h.getJsonObject("stations");
    assertThat(stations.getInteger("counted")).isEqualTo(3);
    assertThat(stations.getInteger("compliant")).isEqualTo(1);
    assertThat(stations.getDouble("share")).isEqualTo(1 / 3.0);
    assertThat(stations.getString("rule"))
        .contains("no permit, no data and not built are never compliant");

    assertThat(state(o, "CL-EMPTY")).isEqualTo("not_built");
    assertThat(state(o, "CL-A")).isEqualTo("compliant");
    assertThat(state(o, "CL-B")).isEqualTo("no_permit");
    assertThat(state(o, "CL-C")).isEqualTo("no_data");
    assertThat(state(o, "CL-D")).isEqualTo("not_built");
    assertThat(state(o, "CL-SELF")).isEqualTo("not_required");
    JsonObject a = station(o, "IT-REG-A");
    assertThat(a.getString("state")).isEqualTo("compliant");
    assertThat(a.getBoolean("permit")).isTrue();
    assertThat(station(o, "IT-REG-B").getBoolean("permit")).isFalse();
    // C's plan names COD every minute: silent after twice that, never under 30 minutes
    assertThat(station(o, "IT-REG-C").getInteger("silent_after_minutes")).isEqualTo(30);
    assertThat(station(o, "IT-REG-C").getString("last_reading")).isNotNull();
    theOverviewPageShowsTheHeadlineFirstThenTheClustersPageByPage(o);
  }

  /**
   * The page asks for the headline alone first ({@code limit=0}), then for the clusters two at a
   * time ({@code ?page=2}): three pages for six clusters, their rows in the API's order.
   */
  private void theOverviewPageShowsTheHeadlineFirstThenTheClustersPageByPage(JsonObject o)
      throws Exception {
    List<String> expected = OverviewJson.rows(o);
    ChromeDriver browser = Chromium.start(1280, 1200);
    try {
      String base = "http://127.0.0.1:" + server.httpPort();
      Chromium.signIn(browser, base, TestServices.adminToken());
      browser.get(base + "/overview.html?page=2");
      String rows =
          "return [...document.querySelectorAll('#plants tbody tr')].map(r =>"
              + " r.dataset.station || r.dataset.site || r.dataset.cluster)";
      new WebDriverWait(browser, Duration.ofSeconds(20))
          .until(d -> ((List<?>) browser.executeScript(rows)).size() >= expected.size());
      assertThat(browser.executeScript(rows)).isEqualTo(expected);
      assertThat(Chromium.text(browser, "#share-detail")).startsWith("1 / 3");
      List<?> asked =
          (List<?>)
              browser.executeScript(
                  "return performance.getEntriesByType('resource').map(e => e.name)"
                      + ".filter(n => n.includes('/api/overview')).map(n => n.split('?')[1])");
      assertThat(asked.stream().limit(4).toList())
          .isEqualTo(
              List.of("limit=0", "offset=0&limit=2", "offset=2&limit=2", "offset=4&limit=2"));
    } finally {
      browser.quit();
    }
  }

  @Test
  void unregisteredStationsAreHeldUntilAnAdminAcceptsOrDiscardsThem() throws Exception {
    long now = System.currentTimeMillis() / 60_000 * 60_000;
    gatewayA.publish(minutes(gatewayA, "IT-REG-NEW", now - 30 * 60_000L, 30, 70));
    gatewayA.publish(minutes(gatewayA, "IT-REG-JUNK", now - 10 * 60_000L, 4, 70));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Probe.metric(
                        server.httpPort(),
                        "outfall_readings_rejected_total{reason=\"unregistered_station\"}")
                    >= 34);
    var held = new JsonObject(Probe.get(server.httpPort(), "/api/registry/unregistered").body());
    JsonObject fresh = held(held, "IT-REG-NEW");
    assertThat(fresh.getString("plant")).isEqualTo("it-reg-a");
    assertThat(fresh.getString("gateway")).isEqualTo("gw-a");
    assertThat(fresh.getLong("readings")).isEqualTo(30);
    assertThat(Probe.storedReadings(services, db, "IT-REG-NEW")).isZero();

    // an inspector reads the hold but does not decide; an operator does not even read it
    String inspector = Probe.tokenFor(server.httpPort(), "reg-inspector", "inspector");
    String operator = Probe.tokenFor(server.httpPort(), "reg-operator", "operator", "it-reg-a");
    assertThat(as(inspector, "GET", "/api/registry/unregistered", null).status()).isEqualTo(200);
    assertThat(as(inspector, "POST", "/api/registry/unregistered/IT-REG-NEW/accept", "").status())
        .isEqualTo(403);
    assertThat(as(operator, "GET", "/api/registry", null).status()).isEqualTo(403);

    var accepted = post("/api/registry/unregistered/IT-REG-NEW/accept", "", "application/json");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(new JsonObject(accepted.body()).getLong("stored")).isEqualTo(30);
    assertThat(Probe.storedReadings(services, db, "IT-REG-NEW")).isEqualTo(30);
    var discarded = post("/api/registry/unregistered/IT-REG-JUNK/discard", "", "application/json");
    assertThat(new JsonObject(discarded.body()).getLong("discarded")).isEqualTo(4);
    // (the broker is shared: stations of other tests' gateways may be held here too)
    assertThat(
            new JsonObject(Probe.get(server.httpPort(), "/api/registry/unregistered").body())
                .getJsonArray("items").stream().map(i -> ((JsonObject) i).getString("station")))
        .doesNotContain("IT-REG-NEW", "IT-REG-JUNK");
    // the accepted station is registered under the plant it reported from, and reports now
    var registry = new JsonObject(Probe.get(server.httpPort(), "/api/registry").body());
    assertThat(
            registry.getJsonArray("stations").stream()
                .map(JsonObject.class::cast)
                .filter(s -> s.getString("code").equals("IT-REG-NEW"))
                .findFirst()
                .orElseThrow()
                .getString("plant"))
        .isEqualTo("it-reg-a");
    gatewayA.publish(minutes(gatewayA, "IT-REG-NEW", now, 1, 70));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Probe.storedReadings(services, db, "IT-REG-NEW") == 31);
    assertThat(
            post("/api/registry/unregistered/IT-REG-NEW/accept", "", "application/json").status())
        .isEqualTo(404);
  }

  @Test
  void anIngestThatRefusesUnregisteredStationsParksTheirReadingsWithTheReason() throws Exception {
    String refusingDb = services.newDatabase("registry_refuse");
    try (IngestServer refusing =
            IngestServer.start(
                services
                    .ingestSettings(refusingDb, "registry-refuse")
                    .with(Setting.REGISTRY_UNREGISTERED_STATIONS, "refuse"));
        TestPublisher g = new TestPublisher(services.mqttUrl(), "it-reg-refused", "gw-r")) {
      g.publish(minutes(g, "IT-REG-REFUSED", System.currentTimeMillis() - 600_000, 5, 70));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Probe.metric(
                          refusing.httpPort(),
                          "outfall_readings_rejected_total{reason=\"unregistered_station\"}")
                      == 5);
      assertThat(Probe.storedReadings(services, refusingDb, "IT-REG-REFUSED")).isZero();
      assertThat(
              Probe.count(
                  refusingDb,
                  services.dbUser(),
                  services.dbPassword(),
                  "SELECT count(*) FROM dead_letters WHERE reason = 'unregistered_station'"
                      + " AND detail LIKE '%IT-REG-REFUSED is not in the registry%'"))
          .isEqualTo(1);
      // nothing is held for an admin: refused is refused
      assertThat(
              Probe.count(
                  refusingDb,
                  services.dbUser(),
                  services.dbPassword(),
                  "SELECT count(*) FROM unregistered_readings"))
          .isZero();
    } finally {
      services.dropSession("it-registry-refuse");
    }
  }

  @Test
  void targetsAreSetShownAndRemovedFromTheCommandLine() {
    String[] api = {
      "--server",
      "http://127.0.0.1:" + server(),
      "--token-file",
      TestServices.ADMIN_TOKEN_FILE.toString()
    };
    Cli.Run set =
        registry(
            api,
            "target",
            "--cluster",
            "CL-A",
            "--baseline",
            "2025-01-01/2026-01-01",
            "--energy-per-m3-pct",
            "6",
            "--source",
            "the cluster's plan");
    assertThat(set.exit()).as(set.err()).isZero();
    assertThat(set.out()).contains("cluster CL-A set: baseline 2025-01-01 to 2026-01-01");
    assertThat(set.out()).contains("energy/m3 -6.0 %").contains("source: the cluster's plan");
    Cli.Run shown = registry(api, "target", "--cluster", "CL-A");
    assertThat(shown.out()).contains("energy/m3 -6.0 %");
    // the cluster's plant now has that target, through its cluster
    var kpis = Probe.get(server(), "/api/stations/IT-REG-A/kpis");
    JsonObject applied =
        new JsonObject(kpis.body()).getJsonObject("targets").getJsonObject("target");
    assertThat(applied.getString("scope")).isEqualTo("cluster");
    assertThat(applied.getString("of")).isEqualTo("CL-A");
    Cli.Run noFigures = registry(api, "target", "--plant", "it-reg-b", "--energy-per-m3-pct", "5");
    assertThat(noFigures.exit()).isEqualTo(2);
    assertThat(noFigures.err()).contains("--baseline FROM/TO is required");
    Cli.Run unknown =
        registry(
            api,
            "target",
            "--plant",
            "NO-SUCH",
            "--baseline",
            "2025-01-01/2026-01-01",
            "--energy-per-m3-pct",
            "5");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("no plant NO-SUCH in the registry");
    // a target in the registry file, with the plant it belongs to, and back out in the export
    var imported =
        post(
            "/api/registry/import",
            "type,code,name,parent,target_baseline,target_chemical_per_m3_pct,target_source\n"
                + "plant,it-reg-b,Trạm XLNT B,CL-B,2025-01-01/2026-01-01,7,sổ đăng ký\n",
            "text/csv");
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    assertThat(new JsonObject(imported.body()).getInteger("targets")).isEqualTo(1);
    assertThat(registry(api, "target", "--plant", "it-reg-b").out())
        .contains("chemical/m3 -7.0 %")
        .contains("source: sổ đăng ký");
    assertThat(Probe.get(server(), "/api/registry?format=csv").body())
        .contains("plant,it-reg-b,Trạm XLNT B,CL-B,")
        .contains(",2025-01-01/2026-01-01,,7.0,,,sổ đăng ký\n");
    Cli.Run removed = registry(api, "target", "--cluster", "CL-A", "--remove");
    assertThat(removed.out()).contains("cluster CL-A: target removed");
    assertThat(
            new JsonObject(Probe.get(server(), "/api/stations/IT-REG-A/kpis").body())
                .getValue("targets"))
        .isNull();
  }

  private static int server() {
    return server.httpPort();
  }

  private static Cli.Run registry(String[] api, String... args) {
    String[] all = new String[args.length + api.length + 1];
    all[0] = "registry";
    System.arraycopy(args, 0, all, 1, 1); // the subcommand first, its options after
    System.arraycopy(api, 0, all, 2, api.length);
    System.arraycopy(args, 1, all, 2 + api.length, args.length - 1);
    return Cli.run(all);
  }

  @Test
  void anImportWithAnyErrorChangesNothingAndSaysWhereEachIs() throws Exception {
    String before = Probe.get(server.httpPort(), "/api/registry?format=csv").body();
    String bad =
        """
        type,code,name,parent,kind,status,treatment,latitude,longitude,sampling
        cluster,CL-NEW,Cụm mới,,village,operating,required,,,
        plant,it-reg-x,Trạm X,CL-NOWHERE,,operating,,20.9,,
        station,IT-REG-X,Cửa xả X,it-reg-x,,,,,,7m
        station,IT-REG-B,moved,it-reg-a,,,,,,
        """;
    var r = post("/api/registry/import", bad, "text/csv");
    assertThat(r.status()).isEqualTo(400);
    assertThat(new JsonObject(r.body()).getString("error"))
        .startsWith("nothing imported")
        .contains("line 2: cluster CL-NEW: kind must be one of craft_village, industrial_cluster")
        .contains("line 3: plant it-reg-x: give both latitude and longitude")
        .contains("line 4: station IT-REG-X: sampling: from 5 minutes up an interval must be");
    // the valid rows' effect is refused with the file: the export is unchanged
    assertThat(Probe.get(server.httpPort(), "/api/registry?format=csv").body()).isEqualTo(before);
    // a station does not move to another plant
    var moved =
        put("/api/registry/stations/IT-REG-B", "{\"plant\":\"it-reg-a\"}", "application/json");
    assertThat(moved.status()).isEqualTo(400);
    assertThat(new JsonObject(moved.body()).getString("error")).contains("does not move");
    // the export reads back as an import that changes nothing
    assertThat(post("/api/registry/import", before, "text/csv").status()).isEqualTo(200);
    assertThat(Probe.get(server.httpPort(), "/api/registry?format=csv").body()).isEqualTo(before);
  }

  private static ReadingsBatch minutes(
      TestPublisher g, String station, long fromMs, int count, double cod) {
    List<Reading> r = new ArrayList<>();
    for (int i = 0; i < count; i++)
      r.add(new Reading(station, "COD", fromMs + i * 60_000L, cod, "mg/L", DeviceStatus.MEASURING));
    return new ReadingsBatch(g.gateway, System.nanoTime(), System.currentTimeMillis(), r);
  }

  private static String state(JsonObject overview, String cluster) {
    return OverviewJson.cluster(overview, cluster).getString("state");
  }

  private static JsonObject station(JsonObject overview, String code) {
    return OverviewJson.station(overview, code);
  }

  private static JsonObject held(JsonObject list, String station) {
    return list.getJsonArray("items").stream()
        .map(JsonObject.class::cast)
        .filter(s -> station.equals(s.getString("station")))
        .findFirst()
        .orElseThrow();
  }

  static Probe.Answer post(String path, String body, String type) {
    return send("POST", path, body, type);
  }

  static Probe.Answer put(String path, String body, String type) {
    return send("PUT", path, body, type);
  }

  static Probe.Answer send(String method, String path, String body, String type) {
    return Probe.send(
        Probe.request(URI.create("http://127.0.0.1:" + server.httpPort() + path))
            .header("content-type", type)
            .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  static Probe.Answer as(String token, String method, String path, String body) {
    return Probe.send(
        Probe.as(token, URI.create("http://127.0.0.1:" + server.httpPort() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }
}

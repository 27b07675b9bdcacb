package io.outfall.tests.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outfall.app.embedded.EmbeddedFtpServer;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One plant with a story, for the dashboard tests: an ingest on its own database, two hours of a
 * station's readings at one a minute (COD calibrating 40..30 minutes ago, pH in fault 20..15
 * minutes ago, outflow, energy and chemical meters), a QCVN 40 permit on 10-second windows, and
 * then a window of COD at 400 mg/L that opens a breach. Being under permit, the station sends the
 * environment department (an embedded FTP server) a file every 10 seconds it has readings.
 */
final class SeededPlant implements AutoCloseable {
  static final String STATION = "IT-UI-OUT";
  static final int HISTORY_MINUTES = 120;

  /** kg CO2e per grid kWh the plant's ingest is given: a round test figure, not a real one. */
  static final double GRID_FACTOR = 0.5;

  final TestServices services;
  final String db;
  final EmbeddedFtpServer department;
  final IngestServer server;
  final TestPublisher gateway;
  final String base;
  final String session;
  final long breachAlert;
  final long lastTs;

  /** The first reading's time (a whole minute): history runs {@link #HISTORY_MINUTES} from it. */
  final long firstTs;

  private SeededPlant(String name) throws Exception {
    services = TestServices.get();
    session = name;
    db = services.newDatabase(name);
    department =
        EmbeddedFtpServer.start(
            Files.createTempDirectory("outfall-department"),
            TestServices.freePort(),
            "donre",
            "it-secret");
    server =
        IngestServer.start(
            services
                .ingestSettings(db, name)
                .with(Setting.ALERTS_WINDOW_GRACE_SECONDS, 1)
                .with(Setting.DONRE_FTP_URL, department.url())
                .with(Setting.DONRE_INTERVAL_SECONDS, 10)
                .with(Setting.DONRE_GRACE_SECONDS, 1)
                // a target's baseline a year back (DashboardsApiIT), sent as history
                .with(Setting.INGEST_MAX_PAST_DAYS, 400)
                // a figure for the tests' arithmetic, not a published factor
                .with(Setting.KPI_GRID_EMISSION_FACTOR, GRID_FACTOR)
                .with(Setting.KPI_GRID_EMISSION_FACTOR_SOURCE, "test figure"));
    base = "http://127.0.0.1:" + server.httpPort();
    gateway = new TestPublisher(services.mqttUrl(), "it-" + name, "it-" + name + "-gw");

    long now = System.currentTimeMillis() / 60_000 * 60_000;
    firstTs = now - HISTORY_MINUTES * 60_000L;
    List<Reading> history = new ArrayList<>();
    for (long t = now - HISTORY_MINUTES * 60_000L; t < now; t += 60_000) {
      long ago = (now - t) / 60_000;
      DeviceStatus cod = ago <= 40 && ago > 30 ? DeviceStatus.CALIBRATING : DeviceStatus.MEASURING;
      DeviceStatus ph = ago <= 20 && ago > 15 ? DeviceStatus.FAULT : DeviceStatus.MEASURING;
      history.add(new Reading(STATION, "COD", t, 60 + (ago % 7), "mg/L", cod));
      history.add(new Reading(STATION, "pH", t, 7.2, "pH", ph));
      history.add(new Reading(STATION, "TSS", t, 30 + (ago % 5), "mg/L", DeviceStatus.MEASURING));
      history.add(new Reading(STATION, "flow_out", t, 42, "m3/h", DeviceStatus.MEASURING));
      history.add(
          new Reading(
              STATION, "energy", t, 1000 + (120 - ago) * 0.5, "kWh", DeviceStatus.MEASURING));
      history.add(
          new Reading(
              STATION, "chemical_dose", t, 200 + (120 - ago) * 0.1, "kg", DeviceStatus.MEASURING));
    }
    for (int i = 0; i < history.size(); i += 300)
      gateway.publish(batch(history.subList(i, Math.min(history.size(), i + 300))));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Probe.metric(port(), "outfall_readings_stored_total") >= history.size());

    String permit =
        "station: "
            + STATION
            + "\nstandard: QCVN 40:2011/BTNMT\ncolumn: B\nkq: 1\nkf: 1\nparameters: [COD, pH]\naveraging: PT10S\n";
    assertThat(send("PUT", "/api/permits/" + STATION, permit).statusCode()).isEqualTo(200);
    long window = Math.floorDiv(System.currentTimeMillis(), 10_000) * 10_000 + 10_000;
    List<Reading> breach = new ArrayList<>();
    for (int i = 0; i < 10; i++)
      breach.add(
          new Reading(STATION, "COD", window + 1000L * i, 400, "mg/L", DeviceStatus.MEASURING));
    gateway.publish(batch(breach));
    lastTs = window + 9_000;
    await().atMost(Duration.ofSeconds(40)).until(() -> breachId() > 0);
    breachAlert = breachId();
  }

  static SeededPlant start(String name) throws Exception {
    return new SeededPlant(name);
  }

  int port() {
    return server.httpPort();
  }

  ReadingsBatch batch(List<Reading> readings) {
    return new ReadingsBatch(
        gateway.gateway, System.nanoTime(), System.currentTimeMillis(), readings);
  }

  private long breachId() {
    var items =
        new JsonObject(Probe.get(port(), "/api/alerts?station=" + STATION + "&kind=breach").body())
            .getJsonArray("items");
    return items.isEmpty() ? 0 : items.getJsonObject(0).getLong("id");
  }

  HttpResponse<String> send(String method, String path, String body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            Probe.request(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "text/yaml")
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    gateway.close();
    server.close();
    department.close();
    services.dropSession("it-" + session);
  }
}

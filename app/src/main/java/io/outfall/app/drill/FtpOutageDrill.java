package io.outfall.app.drill;

import io.outfall.app.cli.ApiClient;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.EmbeddedFtpServer;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import io.outfall.ingest.donre.FileNames;
import io.outfall.ingest.donre.Intervals;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.Topics;
import io.outfall.protocol.transport.MqttConnect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The FTP outage drill: a plant's readings flow into ingest, which sends the environment department
 * a file every interval; the department's FTP server (an embedded one) stops for a minute and comes
 * back. Every interval that had readings must reach it once, in order; after an outage of 80 s or
 * more, the station (behind by more than a minute) must have had its data-quality alert, resolved
 * since.
 */
@Command(
    name = "ftp-outage",
    mixinStandardHelpOptions = true,
    description = {
      "Stop the department's FTP server for a minute while files are due, restore it, and count.",
      "Last line: intervals=N sent=N duplicates=N missing=N; exit 0 only when every interval's"
          + " file arrived once, in order (and, with an --outage of 80 s or more, the"
          + " transmission-behind alert was raised and resolved)."
    })
public final class FtpOutageDrill implements Callable<Integer> {
  private static final String SITE = "drill";
  private static final String STATION = "DRILL-FTP-OUT";
  private static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
  private static final int ALERT_SURE_AFTER_S = 80;
  private static final String TRANSMISSION = "/api/stations/" + STATION + "/transmission";

  @Option(names = "--interval", defaultValue = "2", description = "seconds per file (default 2)")
  int interval;

  @Option(names = "--before", defaultValue = "10", description = "seconds of normal running first")
  int before;

  @Option(names = "--outage", defaultValue = "60", description = "seconds the FTP server is down")
  int outage;

  @Option(names = "--after", defaultValue = "10", description = "seconds of running after it")
  int after;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-ftp");
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker =
            EmbeddedBroker.start(dir.resolve("broker"), EmbeddedBroker.freePort(), false);
        EmbeddedFtpServer department =
            EmbeddedFtpServer.start(
                dir.resolve("department"), EmbeddedBroker.freePort(), "donre", "drill-secret")) {
      String jdbc = pg.jdbcUrl("drill");
      String token = Drills.adminToken(dir.path());
      try (IngestServer server =
              IngestServer.start(
                  Drills.ingest(dir.path(), jdbc, broker.url())
                      .with(Setting.DONRE_FTP_URL, department.url())
                      .with(Setting.DONRE_INTERVAL_SECONDS, interval)
                      .with(Setting.DONRE_GRACE_SECONDS, 1)
                      .with(Setting.DONRE_BEHIND_ALERT_MINUTES, 1)
                      .with(Setting.DONRE_ZONE, ZONE.getId()));
          Plant plant = new Plant(broker.url())) {
        ApiClient api = new ApiClient("http://127.0.0.1:" + server.httpPort(), token);
        plant.start();
        while (status(api) == null) Thread.sleep(200); // until the station's first readings
        api.json("PUT", TRANSMISSION, "{\"transmit\": true}");
        Drills.step(
            "readings flow; a file every %d s to %s; the department goes away after %d s for %d s",
            interval, department.url().replaceAll(":[^:@/]*@", "@"), before, outage);
        Thread.sleep(before * 1000L);
        int received = department.arrivals().size();
        department.stop();
        Drills.step("department's FTP server stopped, %d files received so far", received);
        Thread.sleep(outage * 1000L);
        JsonObject during = status(api);
        department.resume();
        Drills.step(
            "department back after %d s; %d files waited (oldest for the interval ending %s)",
            outage, during.getInteger("backlog"), during.getString("oldest_unsent_interval_end"));
        long back = System.nanoTime();
        double drained = -1; // seconds from the department's return to an empty backlog
        while (System.nanoTime() - back < after * 1_000_000_000L) {
          if (drained < 0 && status(api).getInteger("backlog") == 0)
            drained = (System.nanoTime() - back) / 1e9;
          Thread.sleep(200);
        }
        plant.close();
        Instant lastReading = plant.lastReadingAt();
        Intervals intervals = new Intervals(Duration.ofSeconds(interval), ZONE);
        Instant lastEnd = intervals.endOf(intervals.startOf(lastReading));
        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonObject st = status(api);
        while (System.nanoTime() < deadline
            && (st.getInteger("backlog") > 0
                || st.getJsonObject("last_sent") == null
                || Instant.parse(st.getJsonObject("last_sent").getString("interval_end"))
                    .isBefore(lastEnd))) {
          if (drained < 0 && st.getInteger("backlog") == 0)
            drained = (System.nanoTime() - back) / 1e9;
          Thread.sleep(200);
          st = status(api);
        }
        if (drained < 0) drained = (System.nanoTime() - back) / 1e9;
        Drills.step(
            "the files that waited were all sent %.1f s after the department came back", drained);

        // What should have arrived: a file for every interval with readings, from the first one
        // made to the last one due.
        Set<String> expected = new TreeSet<>();
        FileNames names = new FileNames(FileNames.DEFAULT, "HaNoi");
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "");
            var ps =
                c.prepareStatement(
                    "SELECT DISTINCT r.ts FROM readings r JOIN stations s ON s.id = r.station_id"
                        + " WHERE s.code = ? AND r.ts >= (SELECT min(interval_start)"
                        + " FROM donre_outbox) AND r.ts < ?")) {
          ps.setString(1, STATION);
          ps.setTimestamp(2, Timestamp.from(lastEnd));
          try (var rs = ps.executeQuery()) {
            while (rs.next()) {
              Instant start = intervals.startOf(rs.getTimestamp(1).toInstant());
              expected.add(names.name(SITE, STATION, intervals.local(intervals.endOf(start))));
            }
          }
        }
        List<String> arrived = department.arrivals();
        Set<String> distinct = new LinkedHashSet<>(arrived);
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(distinct);
        boolean inOrder = arrived.equals(arrived.stream().sorted().toList());
        JsonObject behind = behindAlert(api);
        // caught up: the alert resolves at the transmitter's next check, within seconds
        for (int i = 0;
            i < 100 && behind != null && !behind.getString("state").equals("resolved");
            i++) {
          Thread.sleep(200);
          behind = behindAlert(api);
        }
        Drills.step(
            "arrived in order: %s; transmission-behind alert: %s",
            inOrder,
            behind == null
                ? "none"
                : behind.getString("state")
                    + " (opened "
                    + behind.getString("started_at")
                    + ", resolved "
                    + behind.getString("resolved_at")
                    + ")");
        // Behind means the oldest unsent file ended over a minute ago; the oldest ends up to an
        // interval after the stop and the check runs every 10 s, so 80 s of outage must raise it.
        boolean alertOk =
            outage < ALERT_SURE_AFTER_S
                || (behind != null && behind.getString("state").equals("resolved"));
        System.out.printf(
            "intervals=%d sent=%d duplicates=%d missing=%d%n",
            expected.size(), distinct.size(), arrived.size() - distinct.size(), missing.size());
        return distinct.equals(expected) && arrived.size() == distinct.size() && inOrder && alertOk
            ? 0
            : 1;
      }
    }
  }

  /** The station's latest transmission-behind alert, or null. */
  private static JsonObject behindAlert(ApiClient api) throws IOException {
    JsonArray alerts =
        api.get("/api/alerts?station=" + STATION + "&kind=transmission_behind&state=all")
            .getJsonArray("items");
    return alerts.isEmpty() ? null : alerts.getJsonObject(0);
  }

  /** The station's transmission status; null while the server does not know the station yet. */
  private static JsonObject status(ApiClient api) throws IOException {
    try {
      return api.get(TRANSMISSION);
    } catch (ApiClient.Refused e) {
      if (e.status == 404) return null;
      throw e;
    }
  }

  /** The plant: COD, pH and flow readings every half second, as a gateway publishes them. */
  private static final class Plant implements AutoCloseable {
    private final MqttClient client;
    private final ReadingsCodec codec = new ReadingsCodec();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread = new Thread(this::run, "drill-plant");
    private volatile long lastReadingAt;

    Plant(String brokerUrl) throws Exception {
      client = new MqttClient(brokerUrl, "drill-ftp-plant", new MemoryPersistence());
      client.connect(MqttConnect.options(brokerUrl, null, null));
    }

    void start() {
      thread.start();
    }

    private void run() {
      long seq = 0;
      while (running.get()) {
        long now = System.currentTimeMillis();
        List<Reading> readings =
            List.of(
                new Reading(
                    STATION, "COD", now, 40 + (now / 500) % 20, "mg/L", DeviceStatus.MEASURING),
                new Reading(STATION, "pH", now, 7.1, "pH", DeviceStatus.MEASURING),
                new Reading(STATION, "flow_out", now, 52.5, "m3/h", DeviceStatus.MEASURING));
        try {
          MqttMessage m =
              new MqttMessage(codec.encode(new ReadingsBatch("drill-gw", ++seq, now, readings)));
          m.setQos(1);
          client.publish(Topics.readings(SITE, "drill-gw"), m);
          lastReadingAt = now;
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          Drills.step("plant: %s", e);
        }
      }
    }

    /** The time of the last readings published: the last interval a file is due for. */
    Instant lastReadingAt() {
      return Instant.ofEpochMilli(lastReadingAt);
    }

    @Override
    public void close() throws Exception {
      running.set(false);
      thread.join(5_000);
      if (client.isConnected()) client.disconnect();
      client.close();
    }
  }
}

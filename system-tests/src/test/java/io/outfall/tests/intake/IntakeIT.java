package io.outfall.tests.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.outfall.ingest.IngestServer;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestPublisher;
import io.outfall.tests.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The intake path against a real broker and database: idempotence, refusals, formats. */
// CI runs it on the embedded stack too: HiveMQ CE acknowledges, redelivers and bounds in flight its
// own way
@Tag("demo-stack")
class IntakeIT {
  static TestServices services;
  static String db;
  static IngestServer server;
  static TestPublisher gateway;
  static long base = System.currentTimeMillis() - Duration.ofDays(1).toMillis();

  @BeforeAll
  static void start() throws Exception {
    services = TestServices.get();
    db = services.newDatabase("intake");
    server = IngestServer.start(services.ingestSettings(db, "intake"));
    gateway = new TestPublisher(services.mqttUrl(), "it-intake", "it-intake-gw");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    server.close();
    services.dropSession("it-intake");
  }

  long rows(String station) {
    return Probe.count(
        db,
        services.dbUser(),
        services.dbPassword(),
        "SELECT count(*) FROM readings r JOIN stations s ON s.id = r.station_id WHERE s.code = '"
            + station
            + "'");
  }

  double metric(String sample) {
    return Probe.metric(server.httpPort(), sample);
  }

  @Test
  void storageMatchesTheEngineThatWasAskedFor() {
    if (TestServices.timescaleExpected()) {
      assertThat(server.database().engine().timescale()).as("readings is a hypertable").isTrue();
    }
    assertThat(server.database().engine().postgresVersion()).isNotBlank();
  }

  @Test
  void replayedBatchCreatesNoDuplicateRows() throws Exception {
    ReadingsBatch batch = gateway.batch("IT-REPLAY", base, 0, 250);
    double dupBefore = metric("outfall_readings_duplicate_total");
    gateway.publish(batch);
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-REPLAY") == 250);

    gateway.publish(batch); // the same batch again, as after a lost PUBACK
    gateway.publish(batch, PayloadFormat.CBOR); // and once more in the compact form
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> metric("outfall_readings_duplicate_total") - dupBefore >= 500);
    assertThat(rows("IT-REPLAY")).isEqualTo(250);
  }

  /**
   * Readings name their station and parameter by id without a foreign key (V18: it cost most of a
   * COPY into readings); the promise it kept holds because those rows are kept for ever.
   */
  @Test
  void theStationsAndParametersReadingsNameCannotBeDeletedOrRenumbered() throws Exception {
    gateway.publish(gateway.batch("IT-KEPT", base, 0, 10));
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-KEPT") == 10);
    for (String change :
        List.of(
            "DELETE FROM stations WHERE code = 'IT-KEPT'",
            "UPDATE stations SET id = id + 1000000 WHERE code = 'IT-KEPT'",
            "TRUNCATE stations CASCADE",
            "DELETE FROM parameters WHERE id IN (SELECT parameter_id FROM readings)",
            "UPDATE parameters SET id = id + 1000 WHERE code = 'COD'")) {
      try (var c = server.database().dataSource().getConnection();
          var st = c.createStatement()) {
        assertThatThrownBy(() -> st.execute(change))
            .as(change)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("kept for ever")
            .extracting(e -> ((SQLException) e).getSQLState())
            .isEqualTo("23001");
      }
    }
    assertThat(rows("IT-KEPT")).isEqualTo(10);
  }

  @Test
  void compactCborBatchIsStored() throws Exception {
    gateway.publish(gateway.batch("IT-CBOR", base, 0, 40), PayloadFormat.CBOR);
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-CBOR") == 40);
  }

  @Test
  void malformedMessageIsCountedParkedAndIngestionContinues() throws Exception {
    double before = metric("outfall_readings_rejected_total{reason=\"malformed\"}");
    byte[] garbage =
        "{\"v\":1,\"gateway\":\"it-intake-gw\",\"seq\":1".getBytes(StandardCharsets.UTF_8);
    gateway.publishRaw(garbage);
    gateway.publish(gateway.batch("IT-AFTER-BAD", base, 0, 10));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> metric("outfall_readings_rejected_total{reason=\"malformed\"}") == before + 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-AFTER-BAD") == 10);
    assertThat(
            Probe.count(
                db,
                services.dbUser(),
                services.dbPassword(),
                "SELECT count(*) FROM dead_letters WHERE reason = 'malformed' AND payload = decode('"
                    + HexFormat.of().formatHex(garbage)
                    + "', 'hex')"))
        .isEqualTo(1);
  }

  @Test
  void badReadingsAreParkedAndTheirGoodNeighboursStored() throws Exception {
    long now = System.currentTimeMillis();
    var batch =
        new ReadingsBatch(
            "it-intake-gw",
            9_000,
            now,
            List.of(
                new Reading("IT-MIXED", "COD", now - 2000, 41.0, "mg/L", DeviceStatus.MEASURING),
                new Reading("IT-MIXED", "COD", now - 1000, 42.0, "g/L", DeviceStatus.MEASURING),
                new Reading("IT-MIXED", "nitrate", now - 1000, 3.0, "mg/L", DeviceStatus.MEASURING),
                new Reading(
                    "IT-MIXED",
                    "TSS",
                    now + Duration.ofDays(2).toMillis(),
                    3.0,
                    "mg/L",
                    DeviceStatus.MEASURING),
                new Reading("IT-MIXED", "pH", now - 1000, 7.1, "-", DeviceStatus.CALIBRATING)));
    double unit = metric("outfall_readings_rejected_total{reason=\"unit_mismatch\"}");
    double param = metric("outfall_readings_rejected_total{reason=\"unknown_parameter\"}");
    double time = metric("outfall_readings_rejected_total{reason=\"timestamp_out_of_range\"}");
    gateway.publish(batch);
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-MIXED") == 2);
    assertThat(metric("outfall_readings_rejected_total{reason=\"unit_mismatch\"}"))
        .isEqualTo(unit + 1);
    assertThat(metric("outfall_readings_rejected_total{reason=\"unknown_parameter\"}"))
        .isEqualTo(param + 1);
    assertThat(metric("outfall_readings_rejected_total{reason=\"timestamp_out_of_range\"}"))
        .isEqualTo(time + 1);
    assertThat(
            Probe.count(
                db,
                services.dbUser(),
                services.dbPassword(),
                "SELECT rejected_readings FROM dead_letters WHERE seq = 9000"))
        .isEqualTo(3);
  }

  @Test
  void messageFromAnotherGatewayThanItsTopicIsRefusedWhole() throws Exception {
    var batch = new TestPublisher.Spoof(gateway).batchClaiming("someone-else", "IT-SPOOF", base);
    double before = metric("outfall_readings_rejected_total{reason=\"gateway_mismatch\"}");
    gateway.publish(batch);
    gateway.publish(gateway.batch("IT-SPOOF-AFTER", base, 0, 5));
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-SPOOF-AFTER") == 5);
    assertThat(metric("outfall_readings_rejected_total{reason=\"gateway_mismatch\"}"))
        .isEqualTo(before + 3);
    assertThat(rows("IT-SPOOF")).isZero();
  }

  @Test
  void gatewayOfAnotherSiteCannotAddReadingsToThisSitesStation() throws Exception {
    gateway.publish(gateway.batch("IT-OWNED", base, 0, 5));
    await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-OWNED") == 5);
    String sample = "outfall_readings_rejected_total{reason=\"station_site_mismatch\"}";
    double before = metric(sample);
    try (TestPublisher other =
        new TestPublisher(services.mqttUrl(), "it-other-site", "it-other-gw")) {
      other.publish(other.batch("IT-OWNED", base + 60_000, 0, 4)); // forged: not its station
      other.publish(other.batch("IT-OTHER-OWN", base, 0, 5));
      await().atMost(Duration.ofSeconds(30)).until(() -> rows("IT-OTHER-OWN") == 5);
    }
    assertThat(metric(sample)).isEqualTo(before + 4);
    assertThat(rows("IT-OWNED")).isEqualTo(5);
    assertThat(
            Probe.count(
                db,
                services.dbUser(),
                services.dbPassword(),
                "SELECT rejected_readings FROM dead_letters WHERE reason = 'station_site_mismatch'"
                    + " AND gateway = 'it-other-gw' AND detail LIKE"
                    + " '%station IT-OWNED belongs to site it-intake, not to it-other-site%'"))
        .isEqualTo(4);
  }

  @Test
  void unsupportedSchemaVersionIsParkedWithItsReason() throws Exception {
    double before = metric("outfall_readings_rejected_total{reason=\"unsupported_version\"}");
    gateway.publishRaw("{\"v\":2,\"gateway\":\"it-intake-gw\"}".getBytes(StandardCharsets.UTF_8));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                metric("outfall_readings_rejected_total{reason=\"unsupported_version\"}")
                    == before + 1);
    assertThat(
            Probe.count(
                db,
                services.dbUser(),
                services.dbPassword(),
                "SELECT count(*) FROM dead_letters WHERE reason = 'unsupported_version' AND detail LIKE '%schema version 2 is not supported%'"))
        .isEqualTo(1);
  }
}

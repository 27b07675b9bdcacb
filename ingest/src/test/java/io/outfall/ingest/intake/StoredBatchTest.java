package io.outfall.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the writer sums up of a transaction's new readings without the database: the hours it hands
 * the aggregate follower must be what readings_hourly's SQL counts (HourlyAggregatesIT compares the
 * two on stored data), and the readings it hands the engine exactly those added.
 */
class StoredBatchTest {
  static final long H = Instant.parse("2026-12-01T03:00:00Z").toEpochMilli();
  static final short COD = 6;
  static final short PH = 4;

  @Test
  void readingsAreCountedByStationParameterAndHourAsTheHourlyAggregatesCountThem() {
    StoredBatch b = new StoredBatch(false, 0);
    b.add("S7", 7, COD, H + 60_000, 120, (short) 0); // 03:01, slot 0
    b.add("S7", 7, COD, H + 14 * 60_000, 80, (short) 0); // 03:14, slot 2 (minute 14 / 5)
    b.add(
        "S" + 7,
        7,
        COD,
        H + 20 * 60_000,
        999,
        (short) 1); // calibrating: counted, not in the values
    b.add("S7", 7, COD, H + 59 * 60_000 + 59_999, 100, (short) 0); // 03:59:59.999, slot 11
    b.add("S7", 7, COD, H + 3_600_000, 90, (short) 2); // 04:00, the next hour, a fault only
    b.add("S8", 8, PH, H + 5 * 60_000, 7.1, (short) 0); // another station

    List<HourRows.Hour> hours =
        b.hourRows().hours().stream()
            .sorted(
                Comparator.comparingInt((HourRows.Hour h) -> h.stationId)
                    .thenComparingLong(h -> h.hourMs))
            .toList();
    assertThat(hours).hasSize(3);

    HourRows.Hour three = hours.get(0);
    assertThat(three.hourMs).isEqualTo(H);
    assertThat(three.n).isEqualTo(4);
    assertThat(three.valid).isEqualTo(3);
    assertThat(three.calibrating).isEqualTo(1);
    assertThat(three.fault).isZero();
    assertThat(three.sum).isEqualTo(300.0); // 120 + 80 + 100
    assertThat(three.min).isEqualTo(80.0);
    assertThat(three.max).isEqualTo(120.0);
    assertThat(three.slots).isEqualTo(1 | 1 << 2 | 1 << 11);

    HourRows.Hour four = hours.get(1);
    assertThat(four.hourMs).isEqualTo(H + 3_600_000);
    assertThat(four.n).isEqualTo(1);
    assertThat(four.fault).isEqualTo(1);
    assertThat(four.valid).isZero(); // no valid reading: sum, min and max go to SQL as null
    assertThat(four.slots).isZero();

    HourRows.Hour ph = hours.get(2);
    assertThat(ph.stationId).isEqualTo(8);
    assertThat(ph.parameterId).isEqualTo(PH);
    assertThat(ph.slots).isEqualTo(1 << 1); // 03:05
    assertThat(b.readings()).isEqualTo(6);
  }

  @Test
  void theReadingsKeptForTheEngineAreThoseAddedInOrder() {
    StoredBatch b = new StoredBatch(true, 10); // fewer than come: it grows
    for (int i = 0; i < 1_000; i++)
      b.add("S" + i % 3, i % 3, COD, H + i * 1_000L, i, (short) (i % 3));
    NewReadings r = b.rows();
    assertThat(r.size()).isEqualTo(1_000);
    assertThat(r.stationIds()[999]).isEqualTo(999 % 3);
    assertThat(r.timestampsMs()[500]).isEqualTo(H + 500_000);
    assertThat(r.values()[777]).isEqualTo(777.0);
    assertThat(r.statuses()[998]).isEqualTo((short) (998 % 3));
  }

  @Test
  void eachStationIsAnnouncedWithItsNewestReadingPerParameterAndHowManyItStored() {
    StoredBatch b = new StoredBatch(false, 0);
    b.add("S7", 7, COD, H, 120, (short) 0);
    b.add("S7", 7, COD, H + 60_000, 130, (short) 1); // the newest COD
    b.add("S7", 7, PH, H, 7.2, (short) 0);
    b.add("S8", 8, PH, H + 1_000, 6.9, (short) 0);

    String[] notices = b.notices(ParameterCatalog.shipped()).split(StoredBatch.NOTICE_SEPARATOR);
    assertThat(notices).hasSize(2);
    JsonObject s7 = new JsonObject(notices[0]);
    assertThat(s7.getString("station")).isEqualTo("S7");
    assertThat(s7.getInteger("n")).isEqualTo(3); // more than its 2 newest: a backlog's sign
    assertThat(s7.getJsonArray("readings"))
        .containsExactly(
            new JsonArray().add("COD").add(H + 60_000).add(130.0).add((short) 1),
            new JsonArray().add("pH").add(H).add(7.2).add((short) 0));
    assertThat(new JsonObject(notices[1]).getInteger("n")).isEqualTo(1);
  }
}

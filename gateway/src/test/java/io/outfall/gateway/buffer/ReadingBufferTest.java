package io.outfall.gateway.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadingBufferTest {
  @TempDir Path dir;

  static List<Reading> readings(long from, int n) {
    List<Reading> out = new ArrayList<>();
    for (int i = 0; i < n; i++)
      out.add(
          new Reading(
              "S-OUT", "COD", from + i * 1000L, 40 + i, "mg/L", DeviceStatus.values()[i % 3]));
    return out;
  }

  @Test
  void readingsLeaveOnlyWhenAcknowledgedOldestFirst() throws Exception {
    try (ReadingBuffer b = new ReadingBuffer(dir.resolve("b.db"), 1000, true)) {
      b.append(readings(0, 10));
      var first = b.oldest(4);
      assertThat(first)
          .extracting(x -> x.reading().timestampMs())
          .containsExactly(0L, 1000L, 2000L, 3000L);
      assertThat(b.oldest(4)).as("peeking removes nothing").isEqualTo(first);
      b.delete(first);
      assertThat(b.depth()).isEqualTo(6);
      assertThat(b.oldest(1).get(0).reading().timestampMs()).isEqualTo(4000L);
      assertThat(b.oldest(10).get(0).reading()).isEqualTo(readings(0, 10).get(4));
    }
  }

  @Test
  void contentAndSequenceSurviveARestart() throws Exception {
    Path file = dir.resolve("b.db");
    try (ReadingBuffer b = new ReadingBuffer(file, 1000, true)) {
      b.append(readings(0, 5));
      assertThat(b.nextSequence()).isEqualTo(1);
      assertThat(b.nextSequence()).isEqualTo(2);
    }
    try (ReadingBuffer b = new ReadingBuffer(file, 1000, true)) {
      assertThat(b.depth()).isEqualTo(5);
      assertThat(b.oldest(10)).hasSize(5);
      assertThat(b.nextSequence()).as("sequence numbers keep rising").isEqualTo(3);
    }
  }

  @Test
  void aFullBufferDropsTheOldestCountsThemAndKeepsAccepting() throws Exception {
    try (ReadingBuffer b = new ReadingBuffer(dir.resolve("b.db"), 1000, false)) {
      b.append(readings(0, 900));
      b.append(readings(900_000, 300));
      assertThat(b.depth()).isEqualTo(1000);
      assertThat(b.dropped()).isEqualTo(200);
      assertThat(b.oldest(1).get(0).reading().timestampMs()).isEqualTo(200_000L);
      b.append(readings(2_000_000, 1));
      assertThat(b.dropped()).isEqualTo(201);
      var all = b.oldest(2000);
      assertThat(all.get(all.size() - 1).reading().timestampMs())
          .as("the newest is always kept")
          .isEqualTo(2_000_000L);
    }
  }
}

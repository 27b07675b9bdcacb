package io.outfall.gateway.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.nio.file.Files;
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

  @Test
  void aFullDiskDropsTheOldestInsteadOfFailing() throws Exception {
    // max_bytes makes SQLite answer "database or disk is full" (SQLITE_FULL) at 1 MiB, the same
    // error a full disk gives; the reading bound is far away.
    try (ReadingBuffer b = new ReadingBuffer(dir.resolve("b.db"), 10_000_000, 1L << 20, false)) {
      long appended = 0;
      for (int poll = 0; poll < 3_000; poll++) {
        b.append(readings(poll * 100_000L, 12));
        appended += 12;
      }
      assertThat(b.dropped()).as("the disk filled up and the oldest went").isPositive();
      assertThat(b.depth() + b.dropped()).as("every reading kept or counted").isEqualTo(appended);
      var all = b.oldest(100_000);
      assertThat(all).hasSize((int) b.depth());
      assertThat(all.get(all.size() - 1).reading().timestampMs())
          .as("the newest is always kept")
          .isEqualTo(2_999 * 100_000L + 11_000);
      assertThat(Files.size(dir.resolve("b.db"))).isLessThanOrEqualTo(1L << 20);
      assertThat(b.lastDropMs()).isPositive();
    }
  }

  @Test
  void liveReadingsAndTheBacklogAreTwoRangesSplitAtAPosition() throws Exception {
    try (ReadingBuffer b = new ReadingBuffer(dir.resolve("b.db"), 1000, false)) {
      b.append(readings(0, 10)); // the backlog
      long split = b.lastId() + 1;
      b.append(readings(100_000, 3)); // live
      assertThat(b.oldest(100, split, Long.MAX_VALUE))
          .extracting(x -> x.reading().timestampMs())
          .containsExactly(100_000L, 101_000L, 102_000L);
      assertThat(b.oldest(4, 1, split - 1))
          .extracting(x -> x.reading().timestampMs())
          .containsExactly(0L, 1000L, 2000L, 3000L);
    }
  }

  @Test
  void readingsPastTheMaximumAgeLeaveTheHeadCountedAndTheCountSurvivesARestart() throws Exception {
    Path file = dir.resolve("aged.db");
    try (ReadingBuffer b = new ReadingBuffer(file, 1000, false)) {
      b.append(readings(0, 10)); // at 0, 1000, …, 9000 ms
      b.append(readings(20_000, 5)); // at 20,000 … 24,000 ms
      // cutoff 5,000: the five readings at 0 … 4,000 are older; those from 5,000 stay
      assertThat(b.dropOlderThan(5_000)).isEqualTo(5);
      assertThat(b.depth()).isEqualTo(10);
      assertThat(b.oldest(1).get(0).reading().timestampMs()).isEqualTo(5_000L);
      // a second call finds the head young enough and drops nothing
      assertThat(b.dropOlderThan(5_000)).isZero();
      assertThat(b.dropped()).isEqualTo(5);
      assertThat(b.droppedByAge()).isEqualTo(5);
    }
    try (ReadingBuffer b = new ReadingBuffer(file, 1000, false)) {
      assertThat(b.droppedByAge()).isEqualTo(5);
      assertThat(b.depth()).isEqualTo(10);
      // everything older than 30,000 ms: all ten left
      assertThat(b.dropOlderThan(30_000)).isEqualTo(10);
      assertThat(b.depth()).isZero();
      assertThat(b.droppedByAge()).isEqualTo(15);
    }
  }
}

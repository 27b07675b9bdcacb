package io.outfall.tests.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outfall.ingest.intake.Delivery;
import io.outfall.ingest.intake.Inbound;
import io.outfall.ingest.intake.MicrometerIntakeMetrics;
import io.outfall.ingest.intake.ReadingWriter;
import io.outfall.ingest.intake.StationDirectory;
import io.outfall.ingest.storage.Database;
import io.outfall.tests.testing.Probe;
import io.outfall.tests.testing.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How the writer cuts its transactions while it copies each message's readings as the message
 * arrives: a message with a station neither looked up in the transaction nor known from an earlier
 * committed one cannot join a COPY under way (looking the station up needs the connection), so it
 * begins the next transaction, and nothing is lost or stored twice either way.
 */
@Tag("demo-stack")
class WriterTransactionsIT {
  static final String SITE = "it-writer-tx";
  static final long T0 = System.currentTimeMillis() - Duration.ofDays(1).toMillis();

  @Test
  void aStationFirstSeenWhileATransactionGathersBeginsTheNextOneAndEverythingIsStored()
      throws Exception {
    String url = TestServices.get().newDatabase("writertx");
    try (Database db = database(url)) {
      // Queued before the writer starts, so the rule alone cuts the transactions. A message joins
      // if each of its stations was looked up in the transaction or is in the writer's cache, where
      // a station is once the transaction that met it first has committed:
      //   tx 1: A          B is new
      //   tx 2: B A        C is new
      //   tx 3: C A B C    the second C was looked up in this transaction; then the queue is
      //                    empty, and no message for 2 ms ends it
      long transactions =
          transactions(
              db,
              StationDirectory.Unregistered.REGISTER,
              "IT-WTX-",
              "A",
              "B",
              "A",
              "C",
              "A",
              "B",
              "C");
      assertThat(transactions).isEqualTo(3);
      // 7 messages of 10 readings each, all stored (the primary key keeps them once)
      assertThat(count(url, "SELECT count(*) FROM readings")).isEqualTo(70);
      assertThat(count(url, "SELECT count(*) FROM stations WHERE code LIKE 'IT-WTX-%'"))
          .isEqualTo(3);
    }
  }

  @Test
  void anUnregisteredStationsMessagesAreHeldAndTheirNeighboursStoredWithoutATransactionEach()
      throws Exception {
    String url = TestServices.get().newDatabase("writertxpark");
    try (Database db = database(url)) {
      // the known station registered beforehand, as an admin would under mode park
      try (var c = db.dataSource().getConnection()) {
        StationDirectory.register(
            c, "IT-WTXP-KNOWN", new StationDirectory.Registration(SITE, SITE + "-gw"), "it-admin");
      }
      // tx 1: KNOWN KNOWN              the stranger needs a lookup
      // tx 2: STRANGER KNOWN STRANGER KNOWN
      assertThat(
              transactions(
                  db,
                  StationDirectory.Unregistered.PARK,
                  "IT-WTXP-",
                  "KNOWN",
                  "KNOWN",
                  "STRANGER",
                  "KNOWN",
                  "STRANGER",
                  "KNOWN"))
          .isEqualTo(2);
      // 4 known messages stored, 2 held, 10 readings each; the stranger is never registered
      assertThat(count(url, "SELECT count(*) FROM readings")).isEqualTo(40);
      assertThat(count(url, "SELECT count(*) FROM unregistered_readings")).isEqualTo(20);
      assertThat(count(url, "SELECT count(*) FROM stations WHERE code = 'IT-WTXP-STRANGER'"))
          .isZero();
    }
  }

  @Test
  void afterAReplayTheTransactionsThatSkipStoredReadingsStillGatherSeveralMessages()
      throws Exception {
    String url = TestServices.get().newDatabase("writertxreplay");
    try (Database db = database(url)) {
      assertThat(transactions(db, StationDirectory.Unregistered.REGISTER, "IT-WTXR-", "A"))
          .isEqualTo(1);
      // the same message again (a redelivery), then three of a new station: the copy of the
      // first fails on the stored rows and it is written again through staging, which the
      // transactions of the next 10 s use too; those gather as the others do:
      //   tx 1: A (stored already: nothing new)      B is new
      //   tx 2: B B B
      assertThat(
              transactions(
                  db, StationDirectory.Unregistered.REGISTER, "IT-WTXR-", "A", "B", "B", "B"))
          .isEqualTo(2);
      // A's 10 once, B's 3 messages (at T0 + 1, 2, 3 min) of 10 each
      assertThat(count(url, "SELECT count(*) FROM readings")).isEqualTo(40);
    }
  }

  private static Database database(String url) throws Exception {
    TestServices s = TestServices.get();
    return Database.open(url, s.dbUser(), s.dbPassword(), 4, Duration.ofSeconds(30));
  }

  private static long count(String url, String sql) throws Exception {
    TestServices s = TestServices.get();
    return Probe.count(url, s.dbUser(), s.dbPassword(), sql);
  }

  /**
   * Queues a message of each station {@code prefix + code} in order (the i-th from T0 + i min),
   * then starts a writer in {@code mode} and waits for every acknowledgement; answers how many
   * transactions it wrote. Its linger is far longer than the test: only the station rule and the
   * queue running dry cut a transaction.
   */
  private static long transactions(
      Database db, StationDirectory.Unregistered mode, String prefix, String... order)
      throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReadingWriter w =
        new ReadingWriter(
            db.dataSource(),
            db.parameters(),
            new StationDirectory(mode),
            new MicrometerIntakeMetrics(registry),
            64,
            10_000,
            60_000,
            false,
            null);
    AtomicInteger acked = new AtomicInteger();
    for (int i = 0; i < order.length; i++)
      w.submit(message(prefix + order[i], T0 + i * 60_000L, acked));
    w.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() == order.length);
    } finally {
      w.close();
    }
    return registry.timer("outfall.ingest.write.latency").count();
  }

  /** Ten readings of {@code station}: COD every 6 s of the minute from {@code fromMs}. */
  private static Inbound message(String station, long fromMs, AtomicInteger acked) {
    List<Inbound.Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++)
      rows.add(new Inbound.Row(station, (short) 6, fromMs + i * 6_000L, 40 + i, (short) 0));
    Delivery d =
        new Delivery(
            "outfall/v1/" + SITE + "/" + SITE + "-gw/readings",
            new byte[0],
            "application/json",
            acked::incrementAndGet);
    return new Inbound(d, SITE, SITE + "-gw", 1L, rows, List.of(), 0, System.nanoTime());
  }
}

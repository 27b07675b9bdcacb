package io.outfall.app.drill;

import io.outfall.app.bench.LoadGateway;
import io.outfall.app.embedded.EmbeddedBroker;
import io.outfall.app.embedded.EmbeddedDatabase;
import io.outfall.app.embedded.ScratchDirectory;
import io.outfall.ingest.IngestServer;
import io.outfall.ingest.config.Setting;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The database outage drill: readings flow at a steady pace from a gateway through an embedded
 * broker into ingest, whose only way to PostgreSQL is a TCP proxy; the proxy is cut (every
 * connection closed, new ones refused) for a minute and restored. Ingest must hold what it took
 * (the broker holds the rest), say so on /api/health, and store everything once the database is
 * back.
 */
@Command(
    name = "db-outage",
    mixinStandardHelpOptions = true,
    description = {
      "Cut ingest off its database for a minute while readings flow, restore it, and count.",
      "Last line: sent=N stored=N duplicates=N lost=N; exit 0 only when nothing was lost or duplicated."
    })
public final class DatabaseOutageDrill implements Callable<Integer> {
  @Option(names = "--outage", defaultValue = "60", description = "seconds without the database")
  int outage;

  @Option(
      names = "--before",
      defaultValue = "10",
      description = "seconds of normal flow before (and after) the outage")
  int before;

  @Option(
      names = "--rate",
      defaultValue = "20",
      description = "batches of 100 readings per second (default ${DEFAULT-VALUE})")
  double rate;

  @Override
  public Integer call() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-drill-db-outage");
    int batches = (int) (rate * (before + outage + before));
    try (dir;
        EmbeddedDatabase pg = EmbeddedDatabase.start(dir.resolve("pg"), 0);
        EmbeddedBroker broker =
            EmbeddedBroker.start(dir.resolve("broker"), EmbeddedBroker.freePort(), true);
        TcpProxy link = new TcpProxy("127.0.0.1", pg.port())) {
      String direct = pg.jdbcUrl("drill");
      String viaLink = direct.replace(":" + pg.port() + "/", ":" + link.port() + "/");
      try (IngestServer server =
          IngestServer.start(
              Drills.ingest(dir.path(), viaLink, broker.url())
                  .with(Setting.ALERTS_ENABLED, false))) {
        LoadGateway gateway = new LoadGateway("drill", "gw-flow");
        String stored = Drills.storedFor(gateway.station());
        long base = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        Drills.step(
            "readings flow at %.0f/s for %d s; the database goes away after %d s for %d s",
            rate * 100, before * 2 + outage, before, outage);
        CompletableFuture<Void> sending =
            gateway.publishInBackground(broker.url(), batches, 100, base, 64, rate);
        Thread.sleep(before * 1000L);
        link.cut();
        long cutAt = System.nanoTime();
        long storedAtCut = Drills.count(direct, stored);
        Drills.step(
            "database cut off: %d stored, %d sent so far", storedAtCut, gateway.acknowledged());
        Thread.sleep(Math.min(5, outage) * 1000L);
        Drills.step(
            "during the outage /api/health answers %d; %d sent meanwhile",
            Drills.health(server.httpPort()), gateway.acknowledged());
        Thread.sleep(Math.max(0, outage * 1000L - (System.nanoTime() - cutAt) / 1_000_000));
        long storedAtRestore = Drills.count(direct, stored);
        link.restore();
        long restoreAt = System.nanoTime();
        Drills.step(
            "database back after %d s: %d stored (%d at the cut)",
            outage, storedAtRestore, storedAtCut);
        long healthyAfter = -1;
        long backlogAfter = -1;
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline && backlogAfter < 0) {
          if (healthyAfter < 0 && Drills.health(server.httpPort()) == 200)
            healthyAfter = System.nanoTime() - restoreAt;
          // the backlog: everything sent up to the restore
          if (Drills.count(direct, stored)
              >= batches * 100L * (before + outage) / (2 * before + outage))
            backlogAfter = System.nanoTime() - restoreAt;
          Thread.sleep(100);
        }
        sending.get();
        long sent = gateway.acknowledged();
        long caughtUp = -1;
        while (System.nanoTime() < deadline) {
          if (Drills.count(direct, stored) >= sent) {
            caughtUp = System.nanoTime() - restoreAt;
            break;
          }
          Thread.sleep(100);
        }
        Thread.sleep(2000);
        long storedNow = Drills.count(direct, stored);
        long duplicates = Drills.duplicates(direct);
        Drills.step(
            "healthy %.1f s after the restore; the outage's backlog stored %.1f s after it; all"
                + " stored %.1f s after it; write retries: %s",
            healthyAfter / 1e9,
            backlogAfter / 1e9,
            caughtUp / 1e9,
            Drills.metric(
                server.httpPort(),
                Drills.adminToken(dir.path()),
                "outfall_ingest_write_failures_total{kind=\"transient\"}"));
        long lost = Math.max(0, sent - storedNow);
        if (lost > 0) Drills.explainLoss(server.httpPort(), Drills.adminToken(dir.path()), true);
        System.out.printf(
            "sent=%d stored=%d duplicates=%d lost=%d%n", sent, storedNow, duplicates, lost);
        return lost == 0 && duplicates == 0 && storedNow == sent ? 0 : 1;
      }
    }
  }
}

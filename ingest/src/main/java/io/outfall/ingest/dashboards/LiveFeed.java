package io.outfall.ingest.dashboards;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings stored readings and alert changes to live pages. The writer and the alert store announce
 * them with PostgreSQL NOTIFY at commit; this listens and republishes them on the Vert.x event bus
 * at {@link #ADDRESS}. Going through the database (not straight from this process's writer) means a
 * page sees every plant whichever ingest instance stored its data, and sees it only once it is
 * committed.
 *
 * <p>pgjdbc has no asynchronous notifications: one thread waits on one connection, outside the
 * event loop. A lost connection is reopened after a second; notices sent in between are lost to
 * live pages only (they refetch on reconnect), never to storage.
 */
public final class LiveFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
  public static final String ADDRESS = "outfall.live";
  private static final int STOP_WITHIN_MS = 200;

  private final Vertx vertx;
  private final DataSource ds;
  private final Thread thread;
  private volatile boolean running = true;

  public LiveFeed(Vertx vertx, DataSource ds) {
    this.vertx = vertx;
    this.ds = ds;
    this.thread = new Thread(this::run, "outfall-live-feed");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      try (Connection c = ds.getConnection()) {
        try (var st = c.createStatement()) {
          st.execute("LISTEN outfall_readings");
          st.execute("LISTEN outfall_alerts");
        }
        vertx.eventBus().publish(ADDRESS, new JsonObject().put("type", "reconnected"));
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          // a notice comes as soon as it is sent; the timeout only bounds how long a stop waits
          PGNotification[] notes = pg.getNotifications(STOP_WITHIN_MS);
          if (notes == null) continue;
          for (PGNotification n : notes) {
            vertx
                .eventBus()
                .publish(
                    ADDRESS,
                    new JsonObject()
                        .put("type", n.getName().equals("outfall_alerts") ? "alert" : "readings")
                        .put("data", new JsonObject(n.getParameter())));
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) return;
        log.warn("live feed: {}; listening again in 1 s", e.toString());
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}

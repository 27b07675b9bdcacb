package io.outfall.ingest.dashboards;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import javax.sql.DataSource;

/**
 * Brings stored readings and alert changes to live pages. The writer and the alert store announce
 * them with PostgreSQL NOTIFY at commit; this listens and republishes them on the Vert.x event bus
 * at {@link #ADDRESS}, each as the text of a server-sent event with its station in a header. Going
 * through the database (not straight from this process's writer) means a page sees every plant
 * whichever ingest instance stored its data, and sees it only once it is committed.
 *
 * <p>pgjdbc has no asynchronous notifications: one thread waits on one connection, outside the
 * event loop. A lost connection is reopened after a second; notices sent in between are lost to
 * live pages only (they refetch on reconnect), never to storage.
 */
public final class LiveFeed implements AutoCloseable {
  public static final String ADDRESS = "outfall.live";

  private final Listener listener;

  /** The header naming the station an event is about (absent for events about no station). */
  public static final String STATION = "station";

  public LiveFeed(Vertx vertx, DataSource ds) {
    this.listener =
        new Listener(
            "outfall-live-feed",
            ds,
            List.of("outfall_readings", "outfall_alerts"),
            () -> vertx.eventBus().publish(ADDRESS, frame("reconnected", "{}")),
            n -> {
              JsonObject data = new JsonObject(n.getParameter());
              DeliveryOptions about = new DeliveryOptions();
              if (data.getValue("station") instanceof String station)
                about.addHeader(STATION, station);
              vertx
                  .eventBus()
                  .publish(
                      ADDRESS,
                      frame(
                          n.getName().equals("outfall_alerts") ? "alert" : "readings",
                          data.encode()),
                      about);
            },
            () -> {});
  }

  /**
   * An event as the pages' server-sent events carry it, rendered once here (on this thread) rather
   * than once per page on the event loop.
   */
  private static String frame(String type, String data) {
    return "event: " + type + "\ndata: " + data + "\n\n";
  }

  @Override
  public void close() throws InterruptedException {
    listener.close();
  }
}

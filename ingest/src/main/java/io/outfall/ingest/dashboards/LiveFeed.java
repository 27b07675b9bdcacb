package io.outfall.ingest.dashboards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.outfall.protocol.JsonFields;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.io.IOException;
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
  private static final JsonFactory JSON = new JsonFactory();

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
              DeliveryOptions about = new DeliveryOptions();
              String station = stationOf(n.getParameter());
              if (station != null) about.addHeader(STATION, station);
              vertx
                  .eventBus()
                  .publish(
                      ADDRESS,
                      frame(
                          n.getName().equals("outfall_alerts") ? "alert" : "readings",
                          n.getParameter()),
                      about);
            },
            () -> {});
  }

  /**
   * The station a notice is about (its top-level {@code station}), or null. Only that is read, with
   * the streaming parser: this thread sees every notice of every ingest (500 a transaction at a
   * province's rate), and parsing each into a {@code JsonObject} and encoding it again took it
   * about a quarter of the writer's time (JFR, docs/performance.md); the text goes out as it came.
   * A notice that is not JSON is sent without a station: only pages following every station get it.
   * The overview's state reads the station of each alert notice with it too.
   */
  static String stationOf(String notice) {
    try (JsonParser p = JSON.createParser(notice)) {
      return JsonFields.seek(p, "station") == JsonToken.VALUE_STRING ? p.getText() : null;
    } catch (IOException e) {
      return null;
    }
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

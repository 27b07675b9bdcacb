package io.outfall.ingest.dashboards;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits for PostgreSQL notices on one connection ({@code LISTEN}) and hands each to
 * a consumer, in the order the database delivered them (commit order). pgjdbc has no asynchronous
 * notifications, so this stays off the event loop. A lost connection is reopened after a second;
 * {@code onListening} runs each time listening (re)starts, {@code onLost} when it stops, since
 * notices sent in between are gone.
 */
final class Listener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Listener.class);
  private static final int STOP_WITHIN_MS = 200;

  private final DataSource ds;
  private final List<String> channels;
  private final Runnable onListening;
  private final Consumer<PGNotification> onNotice;
  private final Runnable onLost;
  private final Thread thread;
  private volatile boolean running = true;

  Listener(
      String name,
      DataSource ds,
      List<String> channels,
      Runnable onListening,
      Consumer<PGNotification> onNotice,
      Runnable onLost) {
    this.ds = ds;
    this.channels = channels;
    this.onListening = onListening;
    this.onNotice = onNotice;
    this.onLost = onLost;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      try (Connection c = ds.getConnection()) {
        try (var st = c.createStatement()) {
          for (String channel : channels) st.execute("LISTEN " + channel);
        }
        onListening.run();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          // a notice comes as soon as it is sent; the timeout only bounds how long a stop waits
          PGNotification[] notes = pg.getNotifications(STOP_WITHIN_MS);
          if (notes != null) for (PGNotification n : notes) onNotice.accept(n);
        }
      } catch (SQLException | RuntimeException e) {
        onLost.run();
        if (!running) return;
        log.warn("{}: {}; listening again in 1 s", thread.getName(), e.toString());
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

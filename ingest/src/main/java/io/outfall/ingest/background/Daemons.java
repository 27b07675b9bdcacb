package io.outfall.ingest.background;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * The one background thread a component keeps for itself (a health check, a sampler, a
 * transmitter), named so that a thread dump or JFR says whose it is, and a daemon so that a
 * component someone forgot to close never keeps the JVM from exiting. Components still stop their
 * thread in {@code close()}.
 */
public final class Daemons {
  private Daemons() {}

  /** One named daemon thread running scheduled tasks one at a time. */
  public static ScheduledExecutorService scheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(named(name));
  }

  /** One named daemon thread running tasks one at a time, in order. */
  public static ExecutorService single(String name) {
    return Executors.newSingleThreadExecutor(named(name));
  }

  private static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}

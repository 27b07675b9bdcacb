package io.outfall.simulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for simulators, embedded services, drills and tests to listen on. */
public final class FreePorts {
  private FreePorts() {}

  /**
   * A TCP port free on 127.0.0.1 now, chosen below Linux's ephemeral range (32768 and up): a
   * service that stops and listens again on its port (a broker outage, a device that goes away, a
   * cut proxy) must not find it handed meanwhile to some outgoing connection.
   */
  public static int next() throws IOException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int candidate = 20_000 + random.nextInt(12_000);
      try {
        claimable(new InetSocketAddress("127.0.0.1", candidate));
        return candidate;
      } catch (IOException taken) {
        // in use: try another
      }
    }
    throw new IOException("no free TCP port between 20000 and 32000");
  }

  /** Returns when a server could listen on {@code address} now; else why not. */
  public static void claimable(InetSocketAddress address) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(address);
    }
  }
}

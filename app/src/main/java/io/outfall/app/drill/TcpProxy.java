package io.outfall.app.drill;

import io.outfall.app.embedded.EmbeddedBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 that a test can cut: {@link #cut()} closes every connection and refuses
 * new ones, as a database or broker that disappears does; {@link #restore()} listens again on the
 * same port. {@link #blackhole()} is the nastier failure of a mobile link: connections stay open
 * but nothing gets through either way, so a client learns of it only from its own timeouts. Works
 * the same in front of embedded and installed services.
 */
public final class TcpProxy implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;
  private volatile boolean blackhole;

  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.port = EmbeddedBroker.freePort(); // below the ephemeral range
    restore();
  }

  public int port() {
    return port;
  }

  /** From now on every byte, on open and new connections, is swallowed. */
  public void blackhole() {
    blackhole = true;
  }

  /** Ends a blackhole or a cut: open connections are closed, new ones go through again. */
  public synchronized void heal() throws IOException {
    cut();
    blackhole = false;
    restore();
  }

  public synchronized void restore() throws IOException {
    if (server != null) return;
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    for (int attempt = 0; ; attempt++) {
      try {
        s.bind(new InetSocketAddress("127.0.0.1", port));
        break;
      } catch (BindException stillClosing) {
        // a connection closed by cut() may take a moment to release the port
        if (attempt >= 50) throw stillClosing;
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw stillClosing;
        }
      }
    }
    server = s;
    Thread accept = new Thread(() -> accept(s), "proxy-accept-" + port);
    accept.setDaemon(true);
    accept.start();
  }

  public synchronized void cut() {
    ServerSocket s = server;
    server = null;
    closeQuietly(s);
    for (Socket sock : open) closeQuietly(sock);
    open.clear();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      Socket client = null;
      try {
        client = s.accept();
        // Tracked at once: an accepted socket left open holds the port, and restore() could not
        // listen on it again.
        open.add(client);
        if (s.isClosed()) throw new IOException("cut while accepting");
        Socket upstream = new Socket(targetHost, targetPort);
        open.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client sees its connection drop
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  if (blackhole) continue; // swallowed
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // connection cut
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) c.close();
    } catch (Exception ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    cut();
  }
}

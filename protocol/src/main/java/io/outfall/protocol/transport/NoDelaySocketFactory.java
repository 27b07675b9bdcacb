package io.outfall.protocol.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets with Nagle's algorithm off. MQTT clients write small packets (PUBACKs, small
 * batches) and wait for the answer; with Nagle on, each can sit out the peer's delayed-ACK timer
 * (40 ms on Linux), which caps a client at a few hundred messages per second whatever the CPU does.
 * Give it to the MQTT client's connection options ({@code setSocketFactory}).
 */
public final class NoDelaySocketFactory extends SocketFactory {
  @Override
  public Socket createSocket() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return configure(new Socket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return configure(new Socket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return configure(new Socket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return configure(new Socket(address, port, localAddress, localPort));
  }

  private static Socket configure(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }
}

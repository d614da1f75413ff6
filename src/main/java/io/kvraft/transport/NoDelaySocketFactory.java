package io.kvraft.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain sockets with TCP_NODELAY, for every OkHttp client here (OkHttp leaves Nagle's algorithm
 * on). Raft frames and relayed writes are small and latency-bound: with Nagle a frame written while
 * the previous one is unacknowledged waits for the peer's delayed ACK, which put a ~40 ms floor
 * under the benchmark's p99 at 16 and 64 connections.
 */
public final class NoDelaySocketFactory extends SocketFactory {
  public static final SocketFactory INSTANCE = new NoDelaySocketFactory();

  private final SocketFactory plain = SocketFactory.getDefault();

  private NoDelaySocketFactory() {}

  @Override
  public Socket createSocket() throws IOException {
    return noDelay(plain.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(plain.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return noDelay(plain.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(plain.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return noDelay(plain.createSocket(address, port, localAddress, localPort));
  }

  private static Socket noDelay(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }
}

package io.kvraft.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One directed network link between two nodes: listens on its own loopback port and forwards every
 * connection to the target port. A cut link closes what it carries and refuses (accepts and drops)
 * new connections, as a partition would; a delay holds every chunk back before passing it on. Raft
 * messages are one-way POSTs, so cutting n1→n2 silences n1 towards n2 only while n2 still reaches
 * n1 through its own link.
 */
final class TcpProxy implements AutoCloseable {
  private final String name;
  private final int targetPort;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean cut;
  private volatile long delayMillis;
  private volatile boolean closed;

  TcpProxy(String name, int targetPort) throws IOException {
    this.name = name;
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    this.acceptor = new Thread(this::acceptLoop, "proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String name() {
    return name;
  }

  boolean isCut() {
    return cut;
  }

  /** Drops everything in flight on this link and every later connection until {@link #heal()}. */
  void cut() {
    cut = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  void heal() {
    cut = false;
    delayMillis = 0;
  }

  void delay(long millis) {
    delayMillis = millis;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      if (cut) {
        closeQuietly(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 1000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  long d = delayMillis;
                  if (d > 0) {
                    Thread.sleep(d);
                  }
                  if (cut) {
                    break;
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // The link was cut or an end went away: close both sides below.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            },
            "proxy-" + name + "-" + direction);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}

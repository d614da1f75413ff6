package io.kvraft;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for test servers that start later than they are chosen (a JVM takes seconds to boot). A
 * port from {@code new ServerSocket(0)} is an ephemeral one: in the meantime the kernel may give it
 * to any outgoing connection or to another listener on port 0 (our own TCP proxies), and the server
 * then fails with "port in use". Ports below Linux's ephemeral range (32768–60999) are never handed
 * out that way, and this JVM never hands one out twice.
 */
public final class TestPorts {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private TestPorts() {}

  public static int reserve() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (!GIVEN.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException inUse) {
        // taken by something else: try another
      }
    }
    throw new IllegalStateException("no free port in " + LOW + "-" + HIGH);
  }
}

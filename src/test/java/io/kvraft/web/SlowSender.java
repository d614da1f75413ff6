package io.kvraft.web;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that sends a request's headers at once and its body as slowly as it likes, over a plain
 * socket: the slow-body attack of issue 12 (one byte every few seconds of a body whose
 * Content-Length promises much more).
 */
public final class SlowSender implements AutoCloseable {
  /** The status line and body of an answer (headers are kept in one string, lower-cased names). */
  public record Answer(int status, String headers, String body) {}

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  private SlowSender(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /**
   * Connects and sends the request line and headers (a Content-Length of {@code declaredLength}),
   * no body.
   */
  public static SlowSender open(
      int port, String method, String path, long declaredLength, String... headers)
      throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    StringBuilder req = new StringBuilder();
    req.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    req.append("Content-Type: application/octet-stream\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    req.append("Content-Length: ").append(declaredLength).append("\r\n\r\n");
    SlowSender sender = new SlowSender(s);
    sender.out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
    sender.out.flush();
    return sender;
  }

  /** Sends some body bytes; false when the server has closed the connection. */
  public boolean send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException gone) {
      return false;
    }
  }

  /** Reads the answer, waiting up to {@code timeout} for it to begin. */
  public Answer awaitAnswer(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    String statusLine = line();
    if (statusLine == null || !statusLine.startsWith("HTTP/1.1 ")) {
      throw new IOException("no HTTP answer: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    StringBuilder headers = new StringBuilder();
    int length = 0;
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      String lower = l.toLowerCase(Locale.ROOT);
      headers.append(lower).append('\n');
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).trim());
      }
    }
    return new Answer(
        status, headers.toString(), new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /**
   * Many slow senders at once: each opened with a large Content-Length, then one thread sends every
   * open one a byte per period until {@link #close()}. Connections the server closed (a 408) are
   * reopened, so the flood keeps its size for as long as it runs, as an attacker's would.
   */
  public static final class Flood implements AutoCloseable {
    private final int port;
    private final List<String[]> targets;
    private final long declaredLength;
    private final List<SlowSender> senders = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger reopened = new AtomicInteger();
    private final Thread trickler;

    /**
     * @param targets method and path pairs, used round-robin for the {@code connections}
     * @param extraHeaders name/value pairs sent with every request (e.g. a cluster token)
     */
    public Flood(
        int port,
        int connections,
        long declaredLength,
        Duration period,
        List<String[]> targets,
        String... extraHeaders)
        throws IOException {
      this.port = port;
      this.targets = targets;
      this.declaredLength = declaredLength;
      for (int i = 0; i < connections; i++) {
        senders.add(openOne(i, extraHeaders));
      }
      this.trickler =
          new Thread(
              () -> {
                byte[] one = {'x'};
                while (running.get()) {
                  for (int i = 0; i < senders.size() && running.get(); i++) {
                    if (!senders.get(i).send(one)) {
                      senders.get(i).close();
                      try {
                        senders.set(i, openOne(i, extraHeaders));
                        reopened.incrementAndGet();
                      } catch (IOException refused) {
                        // The server refuses connections for now; try again next round.
                      }
                    }
                  }
                  try {
                    Thread.sleep(period.toMillis());
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "slow-body-flood");
      trickler.setDaemon(true);
      trickler.start();
    }

    private SlowSender openOne(int i, String... extraHeaders) throws IOException {
      String[] target = targets.get(i % targets.size());
      SlowSender s =
          SlowSender.open(
              port,
              target[0],
              target[1] + (target[1].startsWith("/kv/") ? "-" + i : ""),
              declaredLength,
              extraHeaders);
      s.send(new byte[] {'x'});
      return s;
    }

    /** How many connections the server closed and the flood opened again. */
    public int reopened() {
      return reopened.get();
    }

    @Override
    public void close() {
      running.set(false);
      trickler.interrupt();
      try {
        trickler.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      senders.forEach(SlowSender::close);
    }
  }
}

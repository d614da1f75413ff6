package io.kvraft.web.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection, sending exactly the bytes it is given:
 * ordinary clients normalise paths, refuse control characters in headers and fix up lengths, which
 * is what a fuzzer must not have done for it.
 */
final class RawHttp {
  record Header(String name, byte[] value) {
    static Header of(String name, String value) {
      return new Header(name, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  record Response(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private RawHttp() {}

  /**
   * Sends {@code method target} with the headers (Host and Connection: close added) and body;
   * {@code declaredLength} is the Content-Length sent (-1: the body's own length, none when there
   * is no body).
   */
  static Response send(
      int port,
      String method,
      byte[] target,
      List<Header> headers,
      byte[] body,
      long declaredLength,
      int timeoutMillis)
      throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write(method.getBytes(StandardCharsets.ISO_8859_1));
      req.write(' ');
      req.write(target);
      req.write(
          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
      for (Header h : headers) {
        req.write((h.name() + ": ").getBytes(StandardCharsets.ISO_8859_1));
        req.write(h.value());
        req.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
      long length = declaredLength >= 0 ? declaredLength : body == null ? -1 : body.length;
      if (length >= 0) {
        req.write(("Content-Length: " + length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      }
      req.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      IOException refusedEarly = null;
      try {
        out.write(req.toByteArray());
        if (body != null) {
          out.write(body);
        }
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before taking all of a request it refuses (a head over
        // its limit, a body it will not read): read what it said.
        refusedEarly = e;
      }
      try {
        return read(new BufferedInputStream(s.getInputStream()), method.equals("HEAD"));
      } catch (IOException e) {
        if (refusedEarly != null) {
          e.addSuppressed(refusedEarly);
        }
        throw e;
      }
    }
  }

  private static Response read(InputStream in, boolean head) throws IOException {
    String statusLine = line(in);
    if (statusLine == null || !statusLine.startsWith("HTTP/1.1 ")) {
      throw new IOException("no HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      if (colon > 0) {
        headers.merge(
            l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            l.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    }
    byte[] body;
    if (head || status == 204 || status == 304) {
      body = new byte[0];
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = chunked(in);
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, body);
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        throw new IOException("chunked body ended early");
      }
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
      if (n == 0) {
        while (true) {
          String trailer = line(in);
          if (trailer == null || trailer.isEmpty()) {
            return body.toByteArray();
          }
        }
      }
      body.write(in.readNBytes(n));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }
}

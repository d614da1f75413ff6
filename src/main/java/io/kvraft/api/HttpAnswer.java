package io.kvraft.api;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished answer to a {@code /kv} request, built wherever the outcome is known (the Raft event
 * loop, a relay from the leader, a validation error) and written to the servlet response later on a
 * container thread.
 */
final class HttpAnswer {
  private static final byte[] EMPTY = new byte[0];

  final int status;
  private final String contentType;
  private final byte[] body;
  private final List<String> headers = new ArrayList<>(4);

  private HttpAnswer(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body == null ? EMPTY : body;
  }

  static HttpAnswer of(int status, String contentType, byte[] body) {
    return new HttpAnswer(status, contentType, body);
  }

  static HttpAnswer empty(int status) {
    return new HttpAnswer(status, null, EMPTY);
  }

  HttpAnswer header(String name, String value) {
    if (value != null) {
      headers.add(name);
      headers.add(value);
    }
    return this;
  }

  String header(String name) {
    for (int i = 0; i < headers.size(); i += 2) {
      if (headers.get(i).equalsIgnoreCase(name)) {
        return headers.get(i + 1);
      }
    }
    return null;
  }

  byte[] body() {
    return body;
  }

  void writeTo(HttpServletResponse response, boolean withBody) throws IOException {
    response.setStatus(status);
    for (int i = 0; i < headers.size(); i += 2) {
      response.setHeader(headers.get(i), headers.get(i + 1));
    }
    if (contentType != null) {
      response.setContentType(contentType);
    }
    response.setContentLength(body.length);
    if (withBody && body.length > 0) {
      response.getOutputStream().write(body);
    }
  }
}

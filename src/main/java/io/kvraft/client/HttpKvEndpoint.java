package io.kvraft.client;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** A node reached over the HTTP contract of design §3. */
public final class HttpKvEndpoint implements KvEndpoint {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private final String baseUrl;
  private final OkHttpClient http;
  private final String authorization;

  public HttpKvEndpoint(String baseUrl, OkHttpClient http) {
    this(baseUrl, http, null);
  }

  /**
   * @param bearerToken sent as {@code Authorization: Bearer <token>} on every request; null sends
   *     none
   */
  public HttpKvEndpoint(String baseUrl, OkHttpClient http, String bearerToken) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = http;
    this.authorization =
        bearerToken == null || bearerToken.isBlank() ? null : "Bearer " + bearerToken.strip();
  }

  @Override
  public KvReply call(KvRequest r) throws IOException {
    if (r.op() == KvRequest.Op.REGISTER) {
      return register();
    }
    HttpUrl u = HttpUrl.get(baseUrl + "/kv/" + encodePath(r.key()));
    if (r.stale()) {
      u = u.newBuilder().addQueryParameter("consistency", "stale").build();
    }
    Request.Builder b = new Request.Builder().url(u);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (r.clientId() != null) {
      b.header("Client-Id", r.clientId()).header("Request-Seq", Long.toString(r.seq()));
    }
    if (r.ifMatch() > 0) {
      b.header("If-Match", "\"" + r.ifMatch() + "\"");
    }
    if (r.ifNoneMatch()) {
      b.header("If-None-Match", "*");
    }
    switch (r.op()) {
      case GET -> b.get();
      case PUT -> b.put(RequestBody.create(r.value(), BINARY));
      case APPEND -> b.post(RequestBody.create(r.value(), BINARY));
      case DELETE -> b.delete();
      case REGISTER -> throw new IllegalStateException("handled above");
    }
    try (Response resp = http.newCall(b.build()).execute()) {
      byte[] body = resp.body() == null ? new byte[0] : resp.body().bytes();
      String etag = resp.header("ETag");
      long revision = 0;
      if (etag != null) {
        try {
          revision = Long.parseLong(etag.replace("W/", "").replace("\"", "").trim());
        } catch (NumberFormatException ignored) {
          revision = 0;
        }
      }
      boolean ok = resp.code() == 200 || resp.code() == 204;
      return new KvReply(
          resp.code(),
          ok ? body : null,
          revision,
          resp.header("Raft-Leader"),
          ok ? null : new String(body, StandardCharsets.UTF_8));
    }
  }

  /**
   * POST /sessions; the issued id is the reply's value (from the Client-Id header the 201 carries).
   */
  private KvReply register() throws IOException {
    Request.Builder b =
        new Request.Builder()
            .url(baseUrl + "/sessions")
            .post(RequestBody.create(new byte[0], BINARY));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try (Response resp = http.newCall(b.build()).execute()) {
      byte[] body = resp.body() == null ? new byte[0] : resp.body().bytes();
      String id = resp.header("Client-Id");
      if (resp.code() == 201 && id != null) {
        return new KvReply(
            201, id.getBytes(StandardCharsets.UTF_8), 0, resp.header("Raft-Leader"), null);
      }
      int status =
          resp.code() == 201 ? 502 : resp.code(); // a 201 without an id is no answer we can use
      return new KvReply(
          status, null, 0, resp.header("Raft-Leader"), new String(body, StandardCharsets.UTF_8));
    }
  }

  private static String encodePath(String key) {
    StringBuilder sb = new StringBuilder();
    String[] parts = key.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        sb.append('/');
      }
      sb.append(URLEncoder.encode(parts[i], StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }
}

package io.kvraft.api;

import io.kvraft.config.KvProperties;
import io.kvraft.config.KvraftConfiguration.PeerTrust;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.UnavailableException;
import io.kvraft.tls.TrustStore;
import io.kvraft.transport.AddressBook;
import io.kvraft.transport.NoDelaySocketFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Passes a client's write from a follower to the leader and relays the leader's answer, so clients
 * may talk to any node. The request keeps its Client-Id/Request-Seq, so a retry after a lost relay
 * is still exactly-once.
 */
@Component
public class LeaderForwarder {
  /**
   * The client's own Authorization goes with the write, so the leader checks the client's token
   * itself (KvAuthFilter): a follower cannot lend a request more rights than its sender has, and
   * the cluster token stays a credential for /raft/* only rather than becoming a master key for
   * /kv.
   *
   * <p>Only headers the leader reads go with the write. The client's Content-Type did too, and a
   * value OkHttp will not send (any byte beyond ASCII, which HTTP allows and /kv never reads) made
   * a follower refuse a write the leader would have applied (found by the fuzz test).
   */
  private static final List<String> REQUEST_HEADERS =
      List.of(
          KvHeaders.CLIENT_ID,
          KvHeaders.REQUEST_SEQ,
          "If-Match",
          "If-None-Match",
          HttpHeaders.AUTHORIZATION);

  private static final List<String> RESPONSE_HEADERS =
      List.of(
          "ETag",
          "Retry-After",
          KvHeaders.RAFT_LEADER,
          HttpHeaders.WWW_AUTHENTICATE,
          KvHeaders.CLIENT_ID);
  private static final MediaType OCTETS = MediaType.parse("application/octet-stream");

  private final AddressBook members;
  private final OkHttpClient http;
  private final Counter relayed;
  private final Counter failed;

  public LeaderForwarder(
      AddressBook members, PeerTrust trust, KvProperties kv, MeterRegistry registry) {
    this.members = members;
    this.relayed = forwarded(registry, "relayed");
    this.failed = forwarded(registry, "failed");
    Dispatcher d = new Dispatcher();
    d.setMaxRequests(1024);
    d.setMaxRequestsPerHost(1024);
    this.http =
        TrustStore.apply(
                trust.store(),
                new OkHttpClient.Builder().socketFactory(NoDelaySocketFactory.INSTANCE))
            .dispatcher(d)
            .callTimeout(kv.requestTimeout().plusSeconds(1))
            .retryOnConnectionFailure(false)
            .build();
  }

  /**
   * What is relayed of a client's write, read from the servlet request on the container thread that
   * received it: the answer may come back on a Raft thread, after the request may no longer be
   * touched.
   */
  record Relay(String method, String pathAndQuery, List<String> headers, byte[] body) {
    static Relay of(HttpServletRequest request, byte[] body) {
      List<String> headers = new ArrayList<>(REQUEST_HEADERS.size() * 2);
      for (String h : REQUEST_HEADERS) {
        String v = request.getHeader(h);
        if (v != null) {
          headers.add(h);
          headers.add(v);
        }
      }
      String query = request.getQueryString();
      String uri = request.getRequestURI();
      return new Relay(request.getMethod(), query == null ? uri : uri + "?" + query, headers, body);
    }
  }

  CompletableFuture<HttpAnswer> forward(String leaderId, Relay relay) {
    String base = members.url(leaderId);
    if (base == null || leaderId.equals(members.self())) {
      return CompletableFuture.failedFuture(new NotLeaderException(null));
    }
    HttpUrl url = HttpUrl.parse(base + relay.pathAndQuery());
    if (url == null) {
      return CompletableFuture.failedFuture(new NotLeaderException(leaderId));
    }
    Headers.Builder headers = new Headers.Builder();
    for (int i = 0; i < relay.headers().size(); i += 2) {
      headers.addUnsafeNonAscii(relay.headers().get(i), asSent(relay.headers().get(i + 1)));
    }
    headers.set(KvHeaders.FORWARDED_BY, members.self());
    Request.Builder b = new Request.Builder().url(url).headers(headers.build());
    RequestBody rb =
        relay.method().equals("DELETE") && relay.body().length == 0
            ? null
            : RequestBody.create(relay.body(), OCTETS);
    b.method(relay.method(), rb);
    CompletableFuture<HttpAnswer> out = new CompletableFuture<>();
    http.newCall(b.build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                failed.increment();
                out.completeExceptionally(
                    new UnavailableException(
                        "could not reach the leader " + leaderId + ": " + e.getMessage()));
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (response) {
                  byte[] bytes = response.body() == null ? new byte[0] : response.body().bytes();
                  HttpAnswer answer =
                      HttpAnswer.of(response.code(), response.header("Content-Type"), bytes);
                  for (String h : RESPONSE_HEADERS) {
                    answer.header(h, response.header(h));
                  }
                  relayed.increment();
                  out.complete(answer);
                } catch (IOException e) {
                  failed.increment();
                  out.completeExceptionally(
                      new UnavailableException("lost the leader's answer: " + e.getMessage()));
                }
              }
            });
    return out;
  }

  /**
   * A header value as the leader must receive it: the bytes the client sent. Tomcat reads a field's
   * bytes as ISO-8859-1 and OkHttp writes a value as UTF-8, so a value beyond ASCII (a Client-Id in
   * UTF-8, say) is decoded back into what the client meant, or the leader would judge other bytes
   * than the follower did. Bytes that are no UTF-8 go as they were read, still refused or unknown
   * there as they would be here.
   */
  static String asSent(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0x7e) {
        try {
          return StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)))
              .toString();
        } catch (CharacterCodingException notUtf8) {
          return value;
        }
      }
    }
    return value;
  }

  private static Counter forwarded(MeterRegistry registry, String outcome) {
    return Counter.builder("raft.forwarded.requests")
        .description(
            "Client writes this follower passed on to the leader, by outcome (relayed = any answer)")
        .tag("outcome", outcome)
        .register(registry);
  }

  @PreDestroy
  void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}

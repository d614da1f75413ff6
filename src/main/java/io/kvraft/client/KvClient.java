package io.kvraft.client;

import io.kvraft.tls.TrustStore;
import io.kvraft.transport.NoDelaySocketFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/**
 * A client of a kvraft cluster in the sense of the seed's Clerk: one session, a Request-Seq that
 * grows by one per operation, the last known leader tried first, other nodes on failure or 503, and
 * the same seq on every retry so a write is applied exactly once however often it is re-sent. It
 * retries until the operation succeeds or the optional deadline passes. One operation at a time:
 * the exactly-once contract assumes it, so calls are serialised.
 *
 * <p>Sessions: before its first write the client registers a session ({@code POST /sessions},
 * retried like any call) and sends the Client-Id the cluster issued with every write. Reads need
 * none. If the cluster answers 410 (the session expired or was evicted) the write throws {@link
 * KvSessionExpiredException} at once, never retried: its outcome is unknown (not applied by that
 * attempt, maybe by an earlier one), which only the caller can resolve, by reading. The client then
 * forgets the session, so its next write registers a fresh one.
 */
public final class KvClient implements AutoCloseable {
  private final List<String> nodeIds;
  private final Map<String, KvEndpoint> endpoints;
  private final Duration deadline;
  private final Runnable onClose;

  /** The session issued by the cluster; null until the first write, and again after a 410. */
  private String clientId;

  private long seq;
  private int current;

  /**
   * @param endpoints node id to endpoint
   * @param deadline give up on one operation after this long (null: retry forever, like the seed's
   *     Clerk)
   */
  public KvClient(Map<String, KvEndpoint> endpoints, Duration deadline) {
    this(endpoints, deadline, () -> {});
  }

  private KvClient(Map<String, KvEndpoint> endpoints, Duration deadline, Runnable onClose) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no nodes given");
    }
    this.endpoints = new LinkedHashMap<>(endpoints);
    this.nodeIds = new ArrayList<>(endpoints.keySet());
    this.deadline = deadline;
    this.onClose = onClose;
  }

  /**
   * How {@link #http(Map, Duration, HttpOptions)} reaches the nodes.
   *
   * @param bearerToken sent as {@code Authorization: Bearer <token>} when the cluster has kv.auth
   *     tokens; null sends none
   * @param trustStore certificates trusted for https:// node URLs (e.g. a cluster's self-signed
   *     one); null trusts what the JVM trusts
   */
  public record HttpOptions(String bearerToken, TrustStore trustStore) {
    public static HttpOptions defaults() {
      return new HttpOptions(null, null);
    }

    public HttpOptions withBearerToken(String token) {
      return new HttpOptions(token, trustStore);
    }

    public HttpOptions withTrustStore(TrustStore store) {
      return new HttpOptions(bearerToken, store);
    }
  }

  /** A client over HTTP for nodes given as id to base URL (e.g. n1 → http://127.0.0.1:9001). */
  public static KvClient http(Map<String, String> nodeUrls, Duration deadline) {
    return http(nodeUrls, deadline, HttpOptions.defaults());
  }

  /**
   * As {@link #http(Map, Duration)}, with a bearer token and/or a trust store for https:// URLs.
   */
  public static KvClient http(
      Map<String, String> nodeUrls, Duration deadline, HttpOptions options) {
    OkHttpClient http =
        TrustStore.apply(
                options.trustStore(),
                new OkHttpClient.Builder().socketFactory(NoDelaySocketFactory.INSTANCE))
            .connectTimeout(Duration.ofSeconds(1))
            .callTimeout(Duration.ofSeconds(15))
            .connectionPool(new ConnectionPool(4, 1, TimeUnit.MINUTES))
            .retryOnConnectionFailure(false)
            .build();
    Map<String, KvEndpoint> eps = new LinkedHashMap<>();
    nodeUrls.forEach(
        (id, url) -> eps.put(id, new HttpKvEndpoint(url, http, options.bearerToken())));
    return new KvClient(
        eps,
        deadline,
        () -> {
          http.dispatcher().executorService().shutdown();
          http.connectionPool().evictAll();
        });
  }

  /**
   * The session id the cluster issued to this client; null before its first write or after a 410.
   */
  public synchronized String clientId() {
    return clientId;
  }

  /** Linearizable read; empty when the key is absent. */
  public synchronized Optional<byte[]> get(String key) {
    KvReply r = call(new KvRequest(KvRequest.Op.GET, key, null, null, 0, 0, false, false));
    return r.status() == 404 ? Optional.empty() : Optional.of(r.value());
  }

  /** Linearizable read as UTF-8, "" when absent (the seed's Get). */
  public String getString(String key) {
    return get(key).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
  }

  /** Sets the value; returns the key's new revision. */
  public synchronized long put(String key, byte[] value) {
    return write(KvRequest.Op.PUT, key, value, 0, false).revision();
  }

  public long put(String key, String value) {
    return put(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends to the value (an absent key counts as empty); returns the key's new revision. */
  public synchronized long append(String key, byte[] value) {
    return write(KvRequest.Op.APPEND, key, value, 0, false).revision();
  }

  public long append(String key, String value) {
    return append(key, value.getBytes(StandardCharsets.UTF_8));
  }

  public synchronized void delete(String key) {
    write(KvRequest.Op.DELETE, key, null, 0, false);
  }

  /**
   * Sets the value only if the key's revision is still {@code expectedRevision}; false when it is
   * not.
   */
  public synchronized boolean compareAndSet(String key, long expectedRevision, byte[] value) {
    return write(KvRequest.Op.PUT, key, value, expectedRevision, false).status() != 412;
  }

  /** Creates the key only if it is absent; false when it exists. */
  public synchronized boolean putIfAbsent(String key, byte[] value) {
    return write(KvRequest.Op.PUT, key, value, 0, true).status() != 412;
  }

  private KvReply write(
      KvRequest.Op op, String key, byte[] value, long ifMatch, boolean ifNoneMatch) {
    if (clientId == null) {
      KvReply registered = call(KvRequest.register());
      if (registered.status() != 201 || registered.value() == null) {
        throw new KvClientException(
            registered.status(), "session registration refused: " + registered.detail());
      }
      clientId = new String(registered.value(), StandardCharsets.UTF_8);
      seq = 0;
    }
    long s = ++seq;
    KvReply reply = call(new KvRequest(op, key, value, clientId, s, ifMatch, ifNoneMatch, false));
    if (reply.status() == 410) {
      String expired = clientId;
      clientId = null;
      throw new KvSessionExpiredException(
          "session "
              + expired
              + " expired or was evicted: the outcome of this "
              + op
              + " of "
              + key
              + " is unknown (not applied by this attempt); read the key before writing again. "
              + reply.detail());
    }
    return reply;
  }

  private KvReply call(KvRequest req) {
    long start = System.nanoTime();
    long backoffMillis = 10;
    int triedThisRound = 0;
    while (true) {
      String node = nodeIds.get(current);
      KvReply reply;
      try {
        reply = endpoints.get(node).call(req);
      } catch (IOException e) {
        reply = null;
      }
      if (reply != null && !reply.retryable()) {
        if (reply.status() >= 400
            && reply.status() != 404
            && reply.status() != 412
            && reply.status() != 410) {
          throw new KvClientException(reply.status(), "request refused: " + reply.detail());
        }
        return reply;
      }
      if (deadline != null && System.nanoTime() - start > deadline.toNanos()) {
        throw new KvClientException(503, "no node completed the request within " + deadline);
      }
      String hint = reply == null ? null : reply.leaderHint();
      int hinted = hint == null ? -1 : nodeIds.indexOf(hint);
      current = hinted >= 0 && hinted != current ? hinted : (current + 1) % nodeIds.size();
      if (++triedThisRound >= nodeIds.size()) {
        // Every node refused: likely an election in progress. Back off rather than spin.
        triedThisRound = 0;
        sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 200);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvClientException(503, "interrupted");
    }
  }

  @Override
  public void close() {
    onClose.run();
  }
}

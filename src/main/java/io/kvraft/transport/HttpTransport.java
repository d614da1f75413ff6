package io.kvraft.transport;

import io.kvraft.raft.Message;
import io.kvraft.tls.TrustStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raft messages over HTTP/1.1 with OkHttp. Each peer has one lane per message family (appends,
 * heartbeats and reads, votes) so a large AppendEntries batch never delays a heartbeat. A lane
 * keeps a bounded number of POSTs in flight and sends what queued meanwhile as one batch, which
 * gives pipelining and batching without ever blocking the caller. Queues and batches are bounded in
 * bytes as well as in count, so a slow or restarting peer cannot make either node buffer its whole
 * log in memory: messages beyond the bound are dropped and Raft re-sends what matters.
 */
public final class HttpTransport implements Transport {
  public static final String CLUSTER_TOKEN_HEADER = "Raft-Cluster-Token";
  public static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);

  private final AddressBook addresses;
  private final String clusterToken;
  private final OkHttpClient http;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  private final Map<String, StreamLane> streams = new ConcurrentHashMap<>();
  private final OkHttpClient streamHttp;
  private final boolean streaming;
  private final long keepAliveMillis;
  private final int maxQueued;
  private final long maxQueuedBytes;
  private final long maxBatchBytes;
  private volatile boolean closed;

  /**
   * @param maxQueued most messages waiting per peer lane
   * @param maxQueuedBytes most bytes of messages waiting per peer lane
   * @param maxBatchBytes most bytes in one POST (a single larger message still goes alone)
   * @param trust certificates trusted for https:// peers; null trusts what the JVM trusts
   */
  public HttpTransport(
      AddressBook addresses,
      String clusterToken,
      Duration timeout,
      int maxQueued,
      long maxQueuedBytes,
      long maxBatchBytes,
      TrustStore trust) {
    this(addresses, clusterToken, timeout, maxQueued, maxQueuedBytes, maxBatchBytes, trust, true);
  }

  /**
   * @param streaming carry appends, heartbeats and their replies on long-lived {@code
   *     /raft/stream/*} POSTs (see {@link StreamLane}); false posts every batch on its own, as
   *     votes always are
   */
  public HttpTransport(
      AddressBook addresses,
      String clusterToken,
      Duration timeout,
      int maxQueued,
      long maxQueuedBytes,
      long maxBatchBytes,
      TrustStore trust,
      boolean streaming) {
    this.streaming = streaming;
    // Well inside any server's idle read timeout, and a broken stream is noticed within about this
    // long.
    this.keepAliveMillis = Math.max(100, timeout.toMillis() / 2);
    this.addresses = addresses;
    this.clusterToken = clusterToken;
    this.maxQueued = maxQueued;
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxBatchBytes = maxBatchBytes;
    Dispatcher dispatcher = new Dispatcher();
    // OkHttp allows 5 calls per host by default; our lanes bound concurrency themselves.
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    this.http =
        TrustStore.apply(
                trust, new OkHttpClient.Builder().socketFactory(NoDelaySocketFactory.INSTANCE))
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(32, 5, TimeUnit.MINUTES))
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .writeTimeout(timeout)
            .callTimeout(timeout.multipliedBy(2))
            .retryOnConnectionFailure(false)
            .build();
    // A stream lives as long as the peer does: no call timeout; a write stuck for `timeout` still
    // breaks it.
    this.streamHttp = http.newBuilder().callTimeout(Duration.ZERO).build();
  }

  /**
   * The stream path of a message family, for families carried on streams; null for those posted one
   * by one.
   */
  public static String streamPathOf(String familyPath) {
    return switch (familyPath) {
      case "/raft/append" -> "/raft/stream/append";
      case "/raft/heartbeat" -> "/raft/stream/heartbeat";
      default -> null;
    };
  }

  /** The URL path each message family is posted to; the receiving controller checks the family. */
  public static String pathOf(Message m) {
    if (m instanceof Message.AppendRequest || m instanceof Message.AppendResponse) {
      return "/raft/append";
    }
    if (m instanceof Message.VoteRequest || m instanceof Message.VoteResponse) {
      return "/raft/vote";
    }
    return "/raft/heartbeat";
  }

  @Override
  public void send(Message m) {
    if (closed) {
      return;
    }
    String base = addresses.url(m.to());
    if (base == null) {
      return;
    }
    String path = pathOf(m);
    String streamPath = streaming ? streamPathOf(path) : null;
    if (streamPath != null) {
      streams
          .computeIfAbsent(
              m.to() + streamPath,
              k ->
                  new StreamLane(
                      base + streamPath,
                      clusterToken,
                      streamHttp,
                      maxQueued,
                      maxQueuedBytes,
                      maxBatchBytes,
                      keepAliveMillis,
                      "raft-stream-"
                          + m.from()
                          + "-"
                          + m.to()
                          + "-"
                          + streamPath.substring(streamPath.lastIndexOf('/') + 1)))
          .offer(m);
      if (closed) {
        streams.values().forEach(StreamLane::close);
      }
      return;
    }
    // One POST in flight per lane keeps a lane's messages in order (two connections could swap
    // them, and a follower would then reject the later AppendEntries and force a probe); batching
    // gives the throughput.
    lanes.computeIfAbsent(m.to() + path, k -> new Lane(base + path, 1)).offer(m);
  }

  @Override
  public SnapshotChunk.Reply sendSnapshotChunk(SnapshotChunk chunk, Duration timeout)
      throws IOException {
    String base = addresses.url(chunk.to());
    if (base == null || closed) {
      throw new IOException("no route to " + chunk.to());
    }
    Request.Builder req =
        new Request.Builder()
            .url(base + "/raft/snapshot")
            .post(RequestBody.create(chunk.encode(), BINARY));
    if (clusterToken != null && !clusterToken.isEmpty()) {
      req.header(CLUSTER_TOKEN_HEADER, clusterToken);
    }
    OkHttpClient timed =
        http.newBuilder().readTimeout(timeout).writeTimeout(timeout).callTimeout(timeout).build();
    try (Response response = timed.newCall(req.build()).execute()) {
      if (response.code() != 200 || response.body() == null) {
        throw new IOException("snapshot chunk to " + chunk.to() + " answered " + response.code());
      }
      return SnapshotChunk.Reply.decode(response.body().bytes());
    }
  }

  @Override
  public void close() {
    closed = true;
    streams.values().forEach(StreamLane::close);
    http.dispatcher().cancelAll();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private final class Lane implements Callback {
    private final String url;
    private final int maxInflight;
    private final PeerQueue queue;
    private int inflight;

    Lane(String url, int maxInflight) {
      this.url = url;
      this.maxInflight = maxInflight;
      this.queue = new PeerQueue(url, maxQueued, maxQueuedBytes, maxBatchBytes);
    }

    void offer(Message m) {
      List<Message> batch;
      synchronized (this) {
        if (!queue.offer(m)) {
          return;
        }
        batch = takeBatchIfIdle();
      }
      post(batch);
    }

    private List<Message> takeBatchIfIdle() {
      if (inflight >= maxInflight || queue.isEmpty()) {
        return null;
      }
      inflight++;
      return queue.takeBatch();
    }

    private void post(List<Message> batch) {
      if (batch == null || closed) {
        return;
      }
      Request.Builder req =
          new Request.Builder()
              .url(url)
              .post(RequestBody.create(MessageCodec.encode(batch), BINARY));
      if (clusterToken != null && !clusterToken.isEmpty()) {
        req.header(CLUSTER_TOKEN_HEADER, clusterToken);
      }
      http.newCall(req.build()).enqueue(this);
    }

    @Override
    public void onFailure(Call call, IOException e) {
      LOG.trace("post to {} failed: {}", url, e.toString());
      next();
    }

    @Override
    public void onResponse(Call call, Response response) {
      if (!response.isSuccessful()) {
        LOG.debug("peer {} answered {}", url, response.code());
      }
      response.close();
      next();
    }

    private void next() {
      List<Message> batch;
      synchronized (this) {
        inflight--;
        batch = takeBatchIfIdle();
      }
      post(batch);
    }
  }
}

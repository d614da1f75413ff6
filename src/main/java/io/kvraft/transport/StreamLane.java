package io.kvraft.transport;

import io.kvraft.raft.Message;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived POST to a peer's {@code /raft/stream/<family>} whose chunked body carries frames
 * of message batches as they are sent: an int length, then a {@link MessageCodec} batch (length 0
 * is a keep-alive). It replaces a POST per batch, whose HTTP handling on both ends (headers,
 * dispatch, a thread hand-off per call) was most of the leader's CPU per client write once the
 * client path was lean (issue #7's profile).
 *
 * <p>A single writer thread drains the queue in order, so the peer sees messages in the order they
 * were sent. When the stream breaks, what was queued or in flight is dropped, as a lossy network
 * would, and the lane reconnects after a short pause; Raft re-sends what matters.
 */
final class StreamLane {
  private static final Logger LOG = LoggerFactory.getLogger(StreamLane.class);
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final long MIN_BACKOFF_MILLIS = 20;
  private static final long MAX_BACKOFF_MILLIS = 1_000;

  private final String url;
  private final String clusterToken;
  private final OkHttpClient http;
  private final long keepAliveMillis;
  private final PeerQueue queue;
  private final Thread writer;
  private volatile boolean closed;
  private volatile Call call;

  StreamLane(
      String url,
      String clusterToken,
      OkHttpClient http,
      int maxQueued,
      long maxQueuedBytes,
      long maxBatchBytes,
      long keepAliveMillis,
      String threadName) {
    this.url = url;
    this.clusterToken = clusterToken;
    this.http = http;
    this.queue = new PeerQueue(url, maxQueued, maxQueuedBytes, maxBatchBytes);
    this.keepAliveMillis = keepAliveMillis;
    this.writer = new Thread(this::run, threadName);
    this.writer.setDaemon(true);
    this.writer.start();
  }

  void offer(Message m) {
    synchronized (this) {
      if (!closed && queue.offer(m) && queue.size() == 1) {
        notifyAll();
      }
    }
  }

  void close() {
    closed = true;
    synchronized (this) {
      queue.clear();
      notifyAll();
    }
    Call c = call;
    if (c != null) {
      c.cancel();
    }
    writer.interrupt();
  }

  private void run() {
    long backoff = MIN_BACKOFF_MILLIS;
    while (!closed) {
      long opened = System.nanoTime();
      try {
        stream();
      } catch (IOException | RuntimeException e) {
        LOG.trace("peer stream {} broke: {}", url, e.toString());
      }
      synchronized (this) {
        queue.clear();
      }
      // A stream that lived a while was healthy: reconnect at once; one that failed straight away
      // backs off.
      backoff =
          System.nanoTime() - opened > TimeUnit.SECONDS.toNanos(1)
              ? MIN_BACKOFF_MILLIS
              : Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void stream() throws IOException {
    Request.Builder req = new Request.Builder().url(url).post(new FrameBody());
    if (clusterToken != null && !clusterToken.isEmpty()) {
      req.header(HttpTransport.CLUSTER_TOKEN_HEADER, clusterToken);
    }
    Call c = http.newCall(req.build());
    call = c;
    if (closed) {
      c.cancel();
    }
    try (Response response = c.execute()) {
      if (!response.isSuccessful()) {
        LOG.debug("peer stream {} answered {}", url, response.code());
      }
    }
  }

  /** Waits up to the keep-alive period for messages; an empty list means send a keep-alive. */
  private List<Message> nextBatch() throws InterruptedException {
    synchronized (this) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(keepAliveMillis);
      while (queue.isEmpty() && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return List.of();
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return queue.takeBatch();
    }
  }

  private final class FrameBody extends RequestBody {
    @Override
    public MediaType contentType() {
      return BINARY;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      while (!closed) {
        List<Message> batch;
        try {
          batch = nextBatch();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("peer stream closed", e);
        }
        if (closed) {
          break;
        }
        if (batch.isEmpty()) {
          sink.writeInt(0);
        } else {
          // Encoded into the sink as it goes: no frame array, so no extra copy of every entry per
          // follower.
          sink.writeInt(MessageCodec.encodedSize(batch));
          try {
            MessageCodec.writeTo(batch, sink.outputStream());
          } catch (java.io.UncheckedIOException broken) {
            throw broken.getCause();
          }
        }
        sink.flush();
      }
    }
  }
}

package io.kvraft.system;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.KvOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * One client of the HTTP contract, used by one thread: its own session (registered with POST
 * /sessions before its first write, on any node, retried until the operation's deadline), a
 * Request-Seq that grows by one per write, and on a failure (I/O error, timeout, 5xx) the same seq
 * re-sent to another node (the one the answer names as leader, else the next) until the operation's
 * deadline. Every operation is recorded in the {@link HistoryRecorder} (when one is given) from
 * just before the first attempt to just after the answer, or as outcome-unknown when the client
 * gives up.
 */
final class RecordingClient {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");

  /**
   * What an operation came to: {@code known == false} means the client gave up and the outcome is
   * unknown.
   */
  record Outcome(boolean known, String value) {
    static final Outcome UNKNOWN = new Outcome(false, null);
  }

  /** Counters shared by the clients of one workload. */
  static final class Stats {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong unknown = new AtomicLong();
    final AtomicLong sameSeqRetries = new AtomicLong();
    final List<String> anomalies = java.util.Collections.synchronizedList(new ArrayList<>());
  }

  private final int id;

  /** A name for reports; the Client-Id sent is {@link #session}, issued by the cluster. */
  private final String clientId;

  private String session;
  private final List<String> nodes;
  private final Map<String, String> urls;
  private final OkHttpClient http;
  private final Duration opDeadline;
  private final HistoryRecorder recorder;
  private final Stats stats;
  private long seq;
  private int current;

  RecordingClient(
      int id,
      String clientId,
      Map<String, String> urls,
      OkHttpClient shared,
      Duration attemptTimeout,
      Duration opDeadline,
      HistoryRecorder recorder,
      Stats stats) {
    this.id = id;
    this.clientId = clientId;
    this.urls = urls;
    this.nodes = new ArrayList<>(urls.keySet());
    this.http = shared.newBuilder().callTimeout(attemptTimeout).build();
    this.opDeadline = opDeadline;
    this.recorder = recorder;
    this.stats = stats;
    this.current = Math.floorMod(id, nodes.size());
  }

  /** Runs the operation on any node, retrying elsewhere with the same seq, and records it. */
  Outcome execute(KvOp op) {
    return execute(op, null);
  }

  /**
   * Runs the operation; with {@code onlyNode} set, every attempt goes to that node alone (used to
   * probe a node that should not answer).
   */
  Outcome execute(KvOp op, String onlyNode) {
    long deadline = System.nanoTime() + opDeadline.toNanos();
    // Registered through any node even for a probe of one node, so that the probe's write itself
    // reaches that node.
    if (!(op instanceof KvOp.Get) && session == null && !register(deadline)) {
      // The operation was never sent, so it is not in the history: it cannot have taken effect.
      stats.unknown.incrementAndGet();
      return Outcome.UNKNOWN;
    }
    long s = op instanceof KvOp.Get ? 0 : ++seq;
    long opId = recorder == null ? -1 : recorder.invoke(id, op);
    int attempts = 0;
    int failuresThisRound = 0;
    long backoff = 10;
    while (true) {
      String node = onlyNode != null ? onlyNode : nodes.get(current);
      Reply reply = attempt(node, op, s);
      attempts++;
      if (reply != null && (reply.status == 200 || reply.status == 204 || reply.status == 404)) {
        Outcome out = new Outcome(true, reply.status == 404 ? "" : reply.body);
        if (recorder != null) {
          recorder.complete(
              opId, op instanceof KvOp.Get ? KvOutput.value(out.value()) : KvOutput.ack());
        }
        stats.ok.incrementAndGet();
        if (attempts > 1 && s > 0) {
          stats.sameSeqRetries.addAndGet(attempts - 1);
        }
        return out;
      }
      if (reply != null && reply.status < 500) {
        // 409 (stale seq), 400, 412: none of them can happen to this workload; the outcome stays
        // unknown.
        stats.anomalies.add(
            "client "
                + clientId
                + " "
                + op
                + " seq "
                + s
                + " on "
                + node
                + ": unexpected "
                + reply.status
                + " "
                + reply.body);
        break;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
      if (onlyNode == null) {
        String hint = reply == null ? null : reply.leader;
        int hinted = hint == null ? -1 : nodes.indexOf(hint);
        current = hinted >= 0 && hinted != current ? hinted : (current + 1) % nodes.size();
      }
      if (++failuresThisRound >= nodes.size() || onlyNode != null) {
        failuresThisRound = 0;
        KvraftCluster.sleep(backoff);
        backoff = Math.min(backoff * 2, 100);
      }
    }
    if (recorder != null) {
      recorder.completeUnknown(opId);
    }
    stats.unknown.incrementAndGet();
    return Outcome.UNKNOWN;
  }

  private record Reply(int status, String body, String leader) {}

  /**
   * Registers a session on any node, retrying until {@code deadline}; false if it never got one.
   */
  private boolean register(long deadline) {
    long backoff = 10;
    while (System.nanoTime() <= deadline) {
      String node = nodes.get(current);
      Request req =
          new Request.Builder()
              .url(urls.get(node) + "/sessions")
              .post(RequestBody.create(new byte[0], BINARY))
              .build();
      String leader = null;
      try (Response resp = http.newCall(req).execute()) {
        if (resp.code() == 201 && resp.header("Client-Id") != null) {
          session = resp.header("Client-Id");
          seq = 0;
          return true;
        }
        leader = resp.header("Raft-Leader");
      } catch (IOException e) {
        // try another node
      }
      int hinted = leader == null ? -1 : nodes.indexOf(leader);
      current = hinted >= 0 && hinted != current ? hinted : (current + 1) % nodes.size();
      KvraftCluster.sleep(backoff);
      backoff = Math.min(backoff * 2, 100);
    }
    return false;
  }

  private Reply attempt(String node, KvOp op, long s) {
    Request.Builder b = new Request.Builder().url(urls.get(node) + "/kv/" + op.key());
    if (s > 0) {
      b.header("Client-Id", session).header("Request-Seq", Long.toString(s));
    }
    if (op instanceof KvOp.Put p) {
      b.put(RequestBody.create(p.value().getBytes(StandardCharsets.UTF_8), BINARY));
    } else if (op instanceof KvOp.Append a) {
      b.post(RequestBody.create(a.value().getBytes(StandardCharsets.UTF_8), BINARY));
    } else {
      b.get();
    }
    try (Response resp = http.newCall(b.build()).execute()) {
      String body =
          resp.body() == null ? "" : new String(resp.body().bytes(), StandardCharsets.UTF_8);
      return new Reply(resp.code(), body, resp.header("Raft-Leader"));
    } catch (IOException e) {
      return null;
    }
  }
}

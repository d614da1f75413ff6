package io.kvraft.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import okhttp3.HttpUrl;
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
 * just before the first attempt to just after the answer, with the revision its ETag gave, or as
 * outcome-unknown when the client gives up. Every request of the contract can be sent: gets, puts,
 * appends, conditional puts (a 412 is then an answer like any), deletes and listing pages.
 */
final class RecordingClient {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What an operation came to: {@code known == false} means the client gave up and the outcome is
   * unknown; else {@code value} is the body ("" for a 404) and {@code output} the answer as the
   * linearizability model reads it.
   */
  record Outcome(boolean known, String value, KvOutput output) {
    static final Outcome UNKNOWN = new Outcome(false, null, null);
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
    if (!op.isRead() && session == null && !register(deadline)) {
      // The operation was never sent, so it is not in the history: it cannot have taken effect.
      stats.unknown.incrementAndGet();
      return Outcome.UNKNOWN;
    }
    long s = op.isRead() ? 0 : ++seq;
    long opId = recorder == null ? -1 : recorder.invoke(id, op);
    int attempts = 0;
    int failuresThisRound = 0;
    long backoff = 10;
    while (true) {
      String node = onlyNode != null ? onlyNode : nodes.get(current);
      Reply reply = attempt(node, op, s);
      attempts++;
      if (reply != null && isAnswer(op, reply.status)) {
        Outcome out = new Outcome(true, reply.status == 404 ? "" : reply.body, outputOf(op, reply));
        if (recorder != null) {
          recorder.complete(opId, out.output());
        }
        stats.ok.incrementAndGet();
        if (attempts > 1 && s > 0) {
          stats.sameSeqRetries.addAndGet(attempts - 1);
        }
        return out;
      }
      if (reply != null && reply.status < 500) {
        // 409 (stale seq), 400, an unconditional write's 412: none of them can happen to this
        // workload; the outcome stays unknown.
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

  private record Reply(int status, String body, String leader, long etag) {}

  /** A final answer: success, absent, or for a conditional write the condition failing. */
  private static boolean isAnswer(KvOp op, int status) {
    return status == 200 || status == 204 || status == 404 || (status == 412 && isConditional(op));
  }

  private static boolean isConditional(KvOp op) {
    return op instanceof KvOp.PutIfMatch
        || op instanceof KvOp.PutIfAbsent
        || (op instanceof KvOp.Delete d && d.expected() > 0);
  }

  /** The answer as the model reads it (design §3: revisions are ETags). */
  private static KvOutput outputOf(KvOp op, Reply reply) {
    if (op instanceof KvOp.Get) {
      return reply.status == 404 ? KvOutput.absent() : KvOutput.value(reply.body, reply.etag);
    }
    if (op instanceof KvOp.ListKeys) {
      return KvOutput.keys(keysOf(reply.body));
    }
    if (reply.status == 412) {
      return KvOutput.preconditionFailed(reply.etag);
    }
    if (reply.etag > 0) {
      return KvOutput.ok(reply.etag);
    }
    // A delete answers 204 without an ETag when there was nothing to delete; any other write
    // without an ETag is a success whose revision was not said.
    return op instanceof KvOp.Delete ? KvOutput.nothingToDelete() : KvOutput.ack();
  }

  private static List<String> keysOf(String page) {
    try {
      List<String> keys = new ArrayList<>();
      for (JsonNode key : JSON.readTree(page).path("keys")) {
        keys.add(key.asText());
      }
      return keys;
    } catch (IOException e) {
      throw new IllegalStateException("a listing page that is not JSON: " + page, e);
    }
  }

  /** {@code "42"} (or {@code W/"42"}) is 42; none or anything else is 0. */
  private static long revisionOf(String etag) {
    if (etag == null) {
      return 0;
    }
    try {
      return Long.parseLong(etag.replace("W/", "").replace("\"", "").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

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
    Request.Builder b = new Request.Builder();
    if (op instanceof KvOp.ListKeys listing) {
      HttpUrl.Builder url =
          HttpUrl.get(urls.get(node) + "/kv")
              .newBuilder()
              .addQueryParameter("prefix", listing.prefix())
              .addQueryParameter("limit", Integer.toString(listing.limit()));
      if (listing.startAfter() != null) {
        url.addQueryParameter("startAfter", listing.startAfter());
      }
      b.url(url.build());
    } else {
      b.url(urls.get(node) + "/kv/" + op.key());
    }
    if (s > 0) {
      b.header("Client-Id", session).header("Request-Seq", Long.toString(s));
    }
    if (op instanceof KvOp.Put p) {
      b.put(body(p.value()));
    } else if (op instanceof KvOp.Append a) {
      b.post(body(a.value()));
    } else if (op instanceof KvOp.PutIfMatch cas) {
      b.put(body(cas.value())).header("If-Match", "\"" + cas.expected() + "\"");
    } else if (op instanceof KvOp.PutIfAbsent create) {
      b.put(body(create.value())).header("If-None-Match", "*");
    } else if (op instanceof KvOp.Delete d) {
      b.delete();
      if (d.expected() > 0) {
        b.header("If-Match", "\"" + d.expected() + "\"");
      }
    } else {
      b.get();
    }
    try (Response resp = http.newCall(b.build()).execute()) {
      String body =
          resp.body() == null ? "" : new String(resp.body().bytes(), StandardCharsets.UTF_8);
      return new Reply(
          resp.code(), body, resp.header("Raft-Leader"), revisionOf(resp.header("ETag")));
    } catch (IOException e) {
      return null;
    }
  }

  private static RequestBody body(String value) {
    return RequestBody.create(value.getBytes(StandardCharsets.UTF_8), BINARY);
  }
}

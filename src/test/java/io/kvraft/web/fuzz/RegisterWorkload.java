package io.kvraft.web.fuzz;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.KvOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Well-behaved clients that run beside the fuzzer: puts, appends and linearizable gets on a few
 * keys under a prefix no fuzz case can name, through random nodes, each client with a session it
 * registered (POST /sessions) and each write with that Client-Id and its own Request-Seq, re-sent
 * with the same seq after a 503 or an I/O error. Every operation is recorded for the
 * linearizability checker; any other answer (a 4xx, a 500) is an anomaly.
 */
final class RegisterWorkload {
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final Duration OP_DEADLINE = Duration.ofSeconds(20);

  private final Map<String, String> urls;
  private final List<String> nodes;
  private final String prefix;
  private final HistoryRecorder recorder = new HistoryRecorder();
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .callTimeout(Duration.ofSeconds(8))
          .retryOnConnectionFailure(false)
          .build();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  final AtomicLong completed = new AtomicLong();
  final AtomicLong unknown = new AtomicLong();
  final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());

  RegisterWorkload(Map<String, String> urls, String prefix) {
    this.urls = urls;
    this.nodes = new ArrayList<>(urls.keySet());
    this.prefix = prefix;
  }

  HistoryRecorder recorder() {
    return recorder;
  }

  void start(int clients, long seed) {
    for (int c = 0; c < clients; c++) {
      int id = c;
      Thread t = new Thread(() -> run(id, new Random(seed + id)), "register-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  void stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(OP_DEADLINE.toMillis() + 10_000);
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private void run(int id, Random r) {
    String clientId = register(r);
    if (clientId == null) {
      anomalies.add("client " + id + " could not register a session within " + OP_DEADLINE);
      return;
    }
    long seq = 0;
    int n = 0;
    while (!stop.get()) {
      String key = prefix + "k" + r.nextInt(3);
      int kind = r.nextInt(10);
      KvOp op =
          kind < 4
              ? new KvOp.Get(key)
              : kind < 7
                  ? new KvOp.Put(key, "p" + id + "." + n)
                  : new KvOp.Append(key, "a" + id + "." + n + ";");
      n++;
      long s = op instanceof KvOp.Get ? 0 : ++seq;
      long opId = recorder.invoke(id, op);
      String answer = execute(op, clientId, s, r);
      if (answer == null) {
        recorder.completeUnknown(opId);
        unknown.incrementAndGet();
      } else {
        recorder.complete(opId, op instanceof KvOp.Get ? KvOutput.value(answer) : KvOutput.ack());
        completed.incrementAndGet();
      }
    }
  }

  /**
   * POST /sessions on random nodes until one answers 201; the issued id, or null if none did in
   * time.
   */
  private String register(Random r) {
    long deadline = System.nanoTime() + OP_DEADLINE.toNanos();
    while (System.nanoTime() < deadline && !stop.get()) {
      String node = nodes.get(r.nextInt(nodes.size()));
      Request req =
          new Request.Builder()
              .url(urls.get(node) + "/sessions")
              .post(RequestBody.create(new byte[0], BINARY))
              .build();
      try (Response resp = http.newCall(req).execute()) {
        if (resp.code() == 201 && resp.header("Client-Id") != null) {
          return resp.header("Client-Id");
        }
      } catch (IOException e) {
        // another node, after a pause
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** The value read ("" when absent) or "" for a write; null when the outcome stays unknown. */
  private String execute(KvOp op, String clientId, long seq, Random r) {
    long deadline = System.nanoTime() + OP_DEADLINE.toNanos();
    String node = nodes.get(r.nextInt(nodes.size()));
    while (System.nanoTime() < deadline) {
      Request.Builder b = new Request.Builder().url(urls.get(node) + "/kv/" + op.key());
      if (seq > 0) {
        b.header("Client-Id", clientId).header("Request-Seq", Long.toString(seq));
      }
      if (op instanceof KvOp.Put p) {
        b.put(RequestBody.create(p.value().getBytes(StandardCharsets.UTF_8), BINARY));
      } else if (op instanceof KvOp.Append a) {
        b.post(RequestBody.create(a.value().getBytes(StandardCharsets.UTF_8), BINARY));
      }
      try (Response resp = http.newCall(b.build()).execute()) {
        String body =
            resp.body() == null ? "" : new String(resp.body().bytes(), StandardCharsets.UTF_8);
        int code = resp.code();
        if (code == 200 || code == 204) {
          return op instanceof KvOp.Get ? body : "";
        }
        if (code == 404 && op instanceof KvOp.Get) {
          return "";
        }
        if (code != 503) {
          anomalies.add(op + " seq " + seq + " on " + node + ": " + code + " " + body);
          return null;
        }
        String leader = resp.header("Raft-Leader");
        node =
            leader != null && urls.containsKey(leader)
                ? leader
                : nodes.get(r.nextInt(nodes.size()));
      } catch (IOException e) {
        node = nodes.get(r.nextInt(nodes.size()));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }
}

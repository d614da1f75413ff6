package io.kvraft.system;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.LinearizabilityChecker;
import io.kvraft.linearizability.Operation;
import io.kvraft.linearizability.OperationMix;
import io.kvraft.linearizability.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/**
 * The load a fault scenario runs under, two workloads at once:
 *
 * <ul>
 *   <li>register clients: gets, puts and appends of unique values on a few keys, every call
 *       recorded and the whole history (with a final read of every key after the faults) checked
 *       for linearizability, which also catches a lost acknowledged write; with {@link
 *       #allOperations} they run every operation of the contract instead (compare-and-set on the
 *       revision last seen, create-only, deletes, listing pages of the workload's keys), checked
 *       the same way with revisions and pages;
 *   <li>token clients: appends of unique tokens with short client timeouts, so they often re-send
 *       the same Request-Seq to another node while the first attempt may still commit; at the end
 *       every acknowledged token must be there exactly once, and no token twice (exactly-once, no
 *       loss).
 * </ul>
 */
final class Workload {
  /** What a scenario found. */
  record Report(
      String scenario,
      long ops,
      long ok,
      long unknown,
      double seconds,
      long sameSeqRetries,
      List<String> anomalies) {
    double throughput() {
      return ok / Math.max(seconds, 0.001);
    }

    String summary() {
      return String.format(
          "[%s] ops=%d (ok=%d, unknown outcome=%d) in %.1f s, throughput=%.0f ops/s, same-seq retries=%d,"
              + " anomalies=%d",
          scenario, ops, ok, unknown, seconds, throughput(), sameSeqRetries, anomalies.size());
    }
  }

  private final Map<String, String> urls;
  private final String scenario;
  private final int registerClients;
  private final int tokenClients;
  private final boolean allOperations;
  private final String registerPrefix;
  private final List<String> registerKeys = new ArrayList<>();
  private final List<String> tokenKeys = new ArrayList<>();
  private final HistoryRecorder recorder = new HistoryRecorder();
  private final RecordingClient.Stats stats = new RecordingClient.Stats();
  private final Map<String, Set<String>> tokensSent = new ConcurrentHashMap<>();
  private final Set<String> tokensAcked = ConcurrentHashMap.newKeySet();
  private final List<String> scenarioAnomalies =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final OkHttpClient http;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;
  private long startNanos;
  private long stopNanos;

  /**
   * @param urls node id to base URL; clients talk to the nodes directly
   */
  Workload(Map<String, String> urls, String scenario, int registerClients, int tokenClients) {
    this(urls, scenario, registerClients, tokenClients, false);
  }

  /**
   * @param allOperations register clients run every operation of the contract, not only get, put
   *     and append
   */
  Workload(
      Map<String, String> urls,
      String scenario,
      int registerClients,
      int tokenClients,
      boolean allOperations) {
    this.urls = new java.util.LinkedHashMap<>(urls);
    this.scenario = scenario;
    this.registerClients = registerClients;
    this.tokenClients = tokenClients;
    this.allOperations = allOperations;
    // Keys of their own, so that scenarios sharing a cluster never see each other's writes (nor
    // list them: a page of this prefix starts from an empty range).
    String tag = Long.toString(System.nanoTime(), 36);
    this.registerPrefix = "reg-" + tag + "-";
    for (int i = 0; i < 12; i++) {
      registerKeys.add(registerPrefix + i);
    }
    for (int i = 0; i < 3; i++) {
      tokenKeys.add("tok-" + tag + "-" + i);
      tokensSent.put(tokenKeys.get(i), ConcurrentHashMap.newKeySet());
    }
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofMillis(500))
            .connectionPool(new ConnectionPool(64, 30, TimeUnit.SECONDS))
            .retryOnConnectionFailure(false)
            .build();
  }

  static Workload standard(KvraftCluster cluster, String scenario) {
    return new Workload(cluster.urls(), scenario, 4, 3);
  }

  /** As {@link #standard}, with the register clients running every operation of the contract. */
  static Workload allOperations(KvraftCluster cluster, String scenario) {
    return new Workload(cluster.urls(), scenario, 4, 3, true);
  }

  /**
   * A client whose calls are recorded in this workload's history (for probes aimed at one node).
   */
  RecordingClient probeClient(int id, Duration attemptTimeout, Duration deadline) {
    return new RecordingClient(
        1000 + id,
        scenario + "-probe-" + id + "-" + System.nanoTime(),
        urls,
        http,
        attemptTimeout,
        deadline,
        recorder,
        stats);
  }

  String scenario() {
    return scenario;
  }

  void anomaly(String what) {
    System.out.println("[" + scenario + "] ANOMALY: " + what);
    scenarioAnomalies.add(what);
  }

  long okCount() {
    return stats.ok.get();
  }

  void start() {
    running = true;
    startNanos = System.nanoTime();
    String run = Long.toString(System.nanoTime(), 36);
    for (int i = 0; i < registerClients; i++) {
      int id = i;
      RecordingClient c =
          new RecordingClient(
              id,
              "reg-" + run + "-" + id,
              urls,
              http,
              Duration.ofSeconds(2),
              Duration.ofSeconds(5),
              recorder,
              stats);
      threads.add(thread("reg-" + id, () -> registerLoop(id, c)));
    }
    for (int i = 0; i < tokenClients; i++) {
      int id = 100 + i;
      RecordingClient c =
          new RecordingClient(
              id,
              "tok-" + run + "-" + id,
              urls,
              http,
              Duration.ofMillis(300),
              Duration.ofSeconds(8),
              null,
              stats);
      threads.add(thread("tok-" + id, () -> tokenLoop(id, c)));
    }
    threads.forEach(Thread::start);
  }

  private Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, "workload-" + name);
    t.setDaemon(true);
    return t;
  }

  private void registerLoop(int id, RecordingClient c) {
    Random random = new Random(id * 7919L + System.nanoTime());
    Map<String, Long> lastSeen = new HashMap<>();
    int n = 0;
    while (running) {
      String key = registerKeys.get(random.nextInt(registerKeys.size()));
      String value = "c" + id + "." + n++ + ";";
      if (allOperations) {
        KvOp op =
            OperationMix.next(
                random, key, value, lastSeen.getOrDefault(key, 1L), registerKeys, registerPrefix);
        RecordingClient.Outcome out = c.execute(op);
        long seen = out.known() ? out.output().witnessedRevision() : 0;
        if (seen > 0 && !(op instanceof KvOp.Delete)) {
          lastSeen.put(key, seen);
        }
        continue;
      }
      int kind = random.nextInt(10);
      KvOp op =
          kind < 4
              ? new KvOp.Get(key)
              : kind < 7 ? new KvOp.Put(key, value) : new KvOp.Append(key, value);
      c.execute(op);
    }
  }

  private void tokenLoop(int id, RecordingClient c) {
    Random random = new Random(id * 104729L + System.nanoTime());
    int n = 0;
    while (running) {
      String key = tokenKeys.get(random.nextInt(tokenKeys.size()));
      String token = "t" + id + "." + n++;
      tokensSent.get(key).add(token);
      RecordingClient.Outcome out = c.execute(new KvOp.Append(key, token + ";"));
      if (out.known()) {
        tokensAcked.add(key + "/" + token);
      }
    }
  }

  /** Stops the clients (each finishes or gives up on its current operation). */
  void stop() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stopNanos = System.nanoTime();
  }

  /**
   * Reads every key once more (the cluster must be whole again), checks the history and the tokens,
   * prints the report and returns it.
   */
  Report finish() {
    if (running) {
      stop();
    }
    double seconds = (stopNanos - startNanos) / 1e9;
    long ok = stats.ok.get();
    long unknown = stats.unknown.get();
    RecordingClient reader =
        new RecordingClient(
            999,
            scenario + "-final-" + System.nanoTime(),
            urls,
            http,
            Duration.ofSeconds(2),
            Duration.ofSeconds(30),
            recorder,
            stats);
    for (String key : registerKeys) {
      if (!reader.execute(new KvOp.Get(key)).known()) {
        anomaly("final read of " + key + " found no node that answers");
      }
    }
    if (allOperations
        && !reader.execute(new KvOp.ListKeys(registerPrefix, null, registerKeys.size())).known()) {
      anomaly("final listing found no node that answers");
    }
    List<String> anomalies = new ArrayList<>(stats.anomalies);
    List<Operation> history = recorder.history();
    if (allOperations) {
      System.out.println("[" + scenario + "] recorded answers: " + answersByKind(history));
    }
    Result lin = LinearizabilityChecker.check(history, Duration.ofSeconds(60));
    if (!lin.isOk()) {
      anomalies.add("history of " + history.size() + " ops is " + lin);
    }
    for (String key : tokenKeys) {
      RecordingClient.Outcome out = reader.execute(new KvOp.Get(key));
      if (!out.known()) {
        anomalies.add("final read of " + key + " found no node that answers");
        continue;
      }
      checkTokens(key, out.value(), anomalies);
    }
    anomalies.addAll(scenarioAnomalies);
    Report report =
        new Report(
            scenario, ok + unknown, ok, unknown, seconds, stats.sameSeqRetries.get(), anomalies);
    System.out.println(report.summary() + " linearizability=" + lin.verdict());
    // The first ones say what went wrong; thousands (a broken build) would only bury them.
    anomalies.stream().limit(30).forEach(a -> System.out.println("[" + scenario + "]   " + a));
    if (anomalies.size() > 30) {
      System.out.println("[" + scenario + "]   ... and " + (anomalies.size() - 30) + " more");
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    return report;
  }

  private void checkTokens(String key, String value, List<String> anomalies) {
    Map<String, Integer> seen = new HashMap<>();
    for (String t : value.split(";")) {
      if (!t.isEmpty()) {
        seen.merge(t, 1, Integer::sum);
      }
    }
    Set<String> sent = tokensSent.get(key);
    seen.forEach(
        (token, count) -> {
          if (count > 1) {
            anomalies.add(key + ": token " + token + " applied " + count + " times");
          }
          if (!sent.contains(token)) {
            anomalies.add(key + ": token " + token + " was never sent");
          }
        });
    for (String acked : tokensAcked) {
      if (acked.startsWith(key + "/") && !seen.containsKey(acked.substring(key.length() + 1))) {
        anomalies.add(key + ": acknowledged token " + acked + " is lost");
      }
    }
  }

  /** E.g. {@code PutIfMatch PreconditionFailed=120}: shows that the mix really ran. */
  private static Map<String, Long> answersByKind(List<Operation> history) {
    return history.stream()
        .collect(
            java.util.stream.Collectors.groupingBy(
                op ->
                    op.input().getClass().getSimpleName()
                        + " "
                        + (op.output() == null
                            ? "unknown"
                            : op.output().getClass().getSimpleName()),
                java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
  }
}

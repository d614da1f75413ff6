package io.kvraft.seed;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.KvOutput;
import io.kvraft.linearizability.LinearizabilityChecker;
import io.kvraft.linearizability.Operation;
import io.kvraft.linearizability.OperationMix;
import io.kvraft.linearizability.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The seed's faults (lossy clerk links, partitions, crashes of every server) under every operation
 * of the contract, not only the seed's get/put/append: compare-and-set on the revision a clerk last
 * saw (often stale, so 412s are common), create-only, deletes with and without If-Match, and
 * listing pages with a limit and a start key. Every answer is recorded with its revision and the
 * whole history checked by the full model: values and revisions of reads, revisions growing across
 * all keys, conditions decided on the state at the write's point, pages equal to the keys present
 * at one revision.
 */
class KvRaftAllOpsSuiteTest {
  private static final int SERVERS = 5;
  private static final int CLERKS = 5;
  private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4");

  @Test
  void allOperationsUnreliable() throws Exception {
    try (KvCluster cfg = new KvCluster(SERVERS, true)) {
      cfg.begin("every operation, unreliable net, many clients");
      Run run = new Run(cfg);
      run.start();
      Thread.sleep(6000);
      run.stop();
      run.check();
      cfg.end();
    }
  }

  @Test
  void allOperationsUnderPartitionsAndCrashes() throws Exception {
    try (KvCluster cfg = new KvCluster(SERVERS, true)) {
      cfg.begin("every operation, unreliable net, partitions, crashes");
      Run run = new Run(cfg);
      run.start();
      for (int round = 0; round < 2; round++) {
        Thread.sleep(1000);
        partitionFor(cfg, 3500);
        cfg.connectAll();
        Thread.sleep(KvCluster.ELECTION_TIMEOUT.toMillis());
        // Crash every server with requests in flight; they rebuild their state from what was
        // synced.
        for (int i = 0; i < SERVERS; i++) {
          cfg.shutdownServer(i);
        }
        Thread.sleep(KvCluster.ELECTION_TIMEOUT.toMillis());
        for (int i = 0; i < SERVERS; i++) {
          cfg.startServer(i);
        }
        cfg.connectAll();
      }
      Thread.sleep(1000);
      run.stop();
      run.check();
      cfg.end();
    }
  }

  /** The seed's partitioner: every 1.0–1.2 s each server goes into one of two groups at random. */
  private static void partitionFor(KvCluster cfg, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (System.nanoTime() < end) {
      List<Integer> a = new ArrayList<>();
      List<Integer> b = new ArrayList<>();
      for (int i = 0; i < cfg.n(); i++) {
        (rnd.nextBoolean() ? a : b).add(i);
      }
      cfg.partition(a, b);
      Thread.sleep(KvCluster.ELECTION_TIMEOUT.toMillis() + rnd.nextInt(200));
    }
  }

  /** The clerks of one test, their recorded history and what they found odd. */
  private static final class Run {
    private final KvCluster cfg;
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<String> anomalies = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    Run(KvCluster cfg) {
      this.cfg = cfg;
    }

    void start() {
      for (int i = 0; i < CLERKS; i++) {
        RecordingClerk clerk =
            new RecordingClerk(cfg.makeClient(cfg.all()), recorder, stop, anomalies);
        int seed = i;
        Thread t = new Thread(() -> clerkLoop(clerk, seed), "all-ops-clerk-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
      threads.forEach(Thread::start);
    }

    private void clerkLoop(RecordingClerk clerk, int clerkNumber) {
      Random random = new Random(clerkNumber * 7919L + System.nanoTime());
      Map<String, Long> lastSeen = new HashMap<>();
      int n = 0;
      while (!stop.get()) {
        String key = KEYS.get(random.nextInt(KEYS.size()));
        // Unique ';'-terminated tokens: no concatenation of appends can equal another value.
        String value = "c" + clerkNumber + "." + n++ + ";";
        KvOp op = OperationMix.next(random, key, value, lastSeen.getOrDefault(key, 1L), KEYS, "k");
        KvOutput out = clerk.execute(op);
        cfg.op();
        if (out != null && out.witnessedRevision() > 0 && !(op instanceof KvOp.Delete)) {
          lastSeen.put(key, out.witnessedRevision());
        }
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(30_000);
        assertThat(t.isAlive()).as("%s stopped", t.getName()).isFalse();
      }
    }

    /** Reads every key and one whole page after the faults, then checks the history. */
    void check() {
      cfg.connectAll();
      AtomicBoolean never = new AtomicBoolean();
      RecordingClerk reader =
          new RecordingClerk(cfg.makeClient(cfg.all()), recorder, never, anomalies);
      for (String key : KEYS) {
        reader.execute(KvOp.get(key));
      }
      KvOutput page = reader.execute(KvOp.list("k", null, KEYS.size()));

      List<Operation> history = recorder.history();
      Map<String, Long> mix = describeMix(history);
      System.out.println("  history: " + history.size() + " ops " + mix + ", final page " + page);
      Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(60));
      assertThat(result.isOk()).as(result.toString()).isTrue();
      assertThat(anomalies).isEmpty();
      assertThat(cfg.unexpectedErrors()).isEmpty();
      // Not vacuous: each kind of answer the model checks came up.
      assertThat(mix)
          .as("answers recorded")
          .containsKeys(
              "Get Value",
              "Get Absent",
              "PutIfMatch Ok",
              "PutIfMatch PreconditionFailed",
              "PutIfAbsent Ok",
              "PutIfAbsent PreconditionFailed",
              "Delete Ok",
              "ListKeys Keys");
    }

    /** Count of recorded ops by request and answer kind, e.g. "PutIfMatch PreconditionFailed". */
    private static Map<String, Long> describeMix(List<Operation> history) {
      Function<Operation, String> kind =
          op ->
              op.input().getClass().getSimpleName()
                  + " "
                  + (op.output() == null ? "unknown" : op.output().getClass().getSimpleName());
      return history.stream()
          .collect(Collectors.groupingBy(kind, TreeMap::new, Collectors.counting()));
    }
  }
}

package io.kvraft.seed;

import static io.kvraft.seed.KvRaftSeedSuiteTest.append;
import static io.kvraft.seed.KvRaftSeedSuiteTest.checkConcurrentAppends;
import static io.kvraft.seed.KvRaftSeedSuiteTest.get;
import static io.kvraft.seed.KvRaftSeedSuiteTest.join;
import static io.kvraft.seed.KvRaftSeedSuiteTest.put;
import static io.kvraft.seed.KvRaftSeedSuiteTest.spawn;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.kv.NoDedupApplier;
import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.seed.KvCluster.Clerk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed suite's exactly-once checks have teeth: with the state machine's duplicate detection
 * switched off ({@link NoDedupApplier}), the seed's unreliable one-key workload
 * (TestUnreliableOneKey: a tenth of the replies lost, so clerks re-send writes that already
 * committed) ends with an append in the value twice, which the seed's append check reports. The
 * real state machine passes the same workload in KvRaftSeedSuiteTest. (The linearizability checker
 * is not asked: to call this history of 100 concurrent appends to one key illegal it must rule out
 * every order, and it reaches no verdict within a minute.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExactlyOnceMutantTest {
  private static final int CLIENTS = 5;

  /**
   * Twice the seed's ten appends per clerk: with one reply in ten lost, the chance that no append
   * is re-sent after it committed is about 0.9^100, some 3 in 100,000.
   */
  private static final int APPENDS_PER_CLIENT = 20;

  @Test
  void appendAppliedTwiceIsCaughtBySeedChecks() throws Exception {
    try (KvCluster cfg = new KvCluster(3, true, -1, NoDedupApplier::new)) {
      HistoryRecorder opLog = new HistoryRecorder();
      Clerk ck = cfg.makeClient(cfg.all());
      cfg.begin("mutant without duplicate detection: concurrent appends to one key, unreliable");
      put(cfg, opLog, ck, "k", "");
      List<CompletableFuture<Integer>> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int me = i;
        clients.add(
            spawn(
                "mutant-onekey-client-" + me,
                () -> {
                  Clerk myck = cfg.makeClient(cfg.all());
                  for (int n = 0; n < APPENDS_PER_CLIENT; n++) {
                    append(cfg, opLog, myck, "k", "x " + me + " " + n + " y");
                  }
                  return APPENDS_PER_CLIENT;
                }));
      }
      int[] counts = new int[CLIENTS];
      for (int i = 0; i < CLIENTS; i++) {
        counts[i] = join(clients.get(i), "client " + i, cfg);
      }
      String value = get(cfg, opLog, ck, "k");

      assertThatThrownBy(() -> checkConcurrentAppends(value, counts))
          .as("the seed's append check on %s", value)
          .hasMessageStartingWith("duplicate element")
          .satisfies(e -> System.out.println("[mutation] no duplicate detection caught: " + e));
      cfg.end();
    }
  }
}

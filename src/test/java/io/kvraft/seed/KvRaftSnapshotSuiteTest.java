package io.kvraft.seed;

import static io.kvraft.seed.KvRaftSeedSuiteTest.assertLinearizable;
import static io.kvraft.seed.KvRaftSeedSuiteTest.assertNoUnexpectedErrors;
import static io.kvraft.seed.KvRaftSeedSuiteTest.check;
import static io.kvraft.seed.KvRaftSeedSuiteTest.genericTest;
import static io.kvraft.seed.KvRaftSeedSuiteTest.put;
import static io.kvraft.seed.KvRaftSeedSuiteTest.speedTest;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.seed.KvCluster.Clerk;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The 6.824 kvraft snapshot tests (2023 3B, seed-tests.md) on the in-process {@link KvCluster} with
 * snapshots on: every server snapshots once {@code maxraftstate} bytes of log were applied, keeps
 * its snapshots on disk across crashes, and a leader that compacted past a follower's log sends it
 * an InstallSnapshot over the {@link io.kvraft.transport.InMemoryNetwork}.
 *
 * <p>The GenericTests here run the seed's 5 s of client load per iteration ({@link #ROUND},
 * -Dseed.snapRoundMillis to change), as {@link KvRaftSeedSuiteTest} does. They used to run 2 s,
 * which gave the partitioner (one new partition every 1–1.2 s of the round) two partitions per
 * round instead of five, and the servers well under half the writes, so snapshots, to recover from
 * after each crash. Everything else, including the 8 × maxraftstate log bound after every
 * iteration, is as in the seed, and every test's history is checked for linearizability.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KvRaftSnapshotSuiteTest {
  static final Duration ROUND = Duration.ofMillis(Long.getLong("seed.snapRoundMillis", 5000));
  static final int MAXRAFTSTATE = 1000;

  @Test
  @Order(1)
  void TestSnapshotRPC() throws Exception {
    final int maxraftstate = MAXRAFTSTATE;
    try (KvCluster cfg = new KvCluster(3, false, maxraftstate)) {
      HistoryRecorder opLog = new HistoryRecorder();
      Clerk ck = cfg.makeClient(cfg.all());
      cfg.begin("InstallSnapshot RPC");
      put(cfg, opLog, ck, "a", "A");
      check(cfg, opLog, ck, "a", "A");

      // a bunch of puts into the majority partition.
      cfg.partition(List.of(0, 1), List.of(2));
      {
        Clerk ck1 = cfg.makeClient(List.of(0, 1));
        for (int i = 0; i < 50; i++) {
          put(cfg, opLog, ck1, Integer.toString(i), Integer.toString(i));
        }
        Thread.sleep(KvCluster.ELECTION_TIMEOUT.toMillis());
        put(cfg, opLog, ck1, "b", "B");
      }

      // check that the majority partition has thrown away most of its log entries.
      long sz = cfg.logSize();
      assertThat(sz)
          .as("logs were not trimmed (%d > 8*%d)", sz, maxraftstate)
          .isLessThanOrEqualTo(8L * maxraftstate);
      assertThat(cfg.snapshotCounts(0)[0] + cfg.snapshotCounts(1)[0])
          .as("snapshots taken by the majority {0,1} while server 2 was unreachable")
          .isGreaterThan(0);
      assertThat(cfg.snapshotCounts(2)[1])
          .as("snapshots installed on server 2 before it is reachable")
          .isZero();

      // now make group that requires participation of lagging server, so that it has to catch up.
      cfg.partition(List.of(0, 2), List.of(1));
      {
        Clerk ck1 = cfg.makeClient(List.of(0, 2));
        put(cfg, opLog, ck1, "c", "C");
        put(cfg, opLog, ck1, "d", "D");
        check(cfg, opLog, ck1, "a", "A");
        check(cfg, opLog, ck1, "b", "B");
        check(cfg, opLog, ck1, "1", "1");
        check(cfg, opLog, ck1, "49", "49");
      }
      assertThat(cfg.snapshotCounts(2)[1])
          .as("server 2 caught up through InstallSnapshot\n%s", cfg.describe())
          .isGreaterThan(0);

      // now everybody
      cfg.partition(List.of(0, 1, 2), List.of());
      put(cfg, opLog, ck, "e", "E");
      check(cfg, opLog, ck, "c", "C");
      check(cfg, opLog, ck, "e", "E");
      check(cfg, opLog, ck, "1", "1");
      // The spot checks above read a few keys; the history also covers every Put acknowledged to
      // the majority and every read through the server that caught up by InstallSnapshot.
      assertLinearizable(opLog);
      assertNoUnexpectedErrors(cfg);
      cfg.end();
    }
  }

  @Test
  @Order(2)
  void TestSnapshotSize() throws Exception {
    final int maxraftstate = MAXRAFTSTATE;
    final int maxsnapshotstate = 500;
    try (KvCluster cfg = new KvCluster(3, false, maxraftstate)) {
      HistoryRecorder opLog = new HistoryRecorder();
      // A few clients take turns, so the snapshot carries a duplicate-detection entry for each.
      List<Clerk> clerks =
          List.of(cfg.makeClient(cfg.all()), cfg.makeClient(cfg.all()), cfg.makeClient(cfg.all()));
      cfg.begin("snapshot size is reasonable");
      for (int i = 0; i < 200; i++) {
        Clerk ck = clerks.get(i % clerks.size());
        put(cfg, opLog, ck, "x", "0");
        check(cfg, opLog, ck, "x", "0");
        put(cfg, opLog, ck, "x", "1");
        check(cfg, opLog, ck, "x", "1");
      }

      // check that servers have thrown away most of their log entries
      long sz = cfg.logSize();
      assertThat(sz)
          .as("logs were not trimmed (%d > 8*%d)", sz, maxraftstate)
          .isLessThanOrEqualTo(8L * maxraftstate);

      // check that the snapshots are not unreasonably large
      long ssz = cfg.snapshotSize();
      System.out.printf("  log %d bytes, snapshot %d bytes%n", sz, ssz);
      assertThat(ssz).as("snapshot bytes").isPositive();
      assertThat(ssz)
          .as("snapshot too large (%d > %d)", ssz, maxsnapshotstate)
          .isLessThanOrEqualTo(maxsnapshotstate);
      assertLinearizable(opLog);
      assertNoUnexpectedErrors(cfg);
      cfg.end();
    }
  }

  /**
   * TestSpeed3B: TestSpeed3A with maxraftstate 1000; 1000 sequential Appends at most 33 ms each.
   */
  @Test
  @Order(3)
  void TestSpeed() throws Exception {
    try (KvCluster cfg = new KvCluster(3, false, MAXRAFTSTATE)) {
      speedTest(cfg, "ops complete fast enough, with snapshots", "");
      System.out.printf(
          "  %d snapshots on server 0%n", cfg.snapshotCounts(0)[0] + cfg.snapshotCounts(0)[1]);
      assertThat(cfg.snapshotSize()).as("snapshots were taken").isPositive();
    }
  }

  @Test
  @Order(4)
  void TestSnapshotRecover() throws Exception {
    genericTest(
        "restarts, snapshots, one client", 1, 5, false, true, false, MAXRAFTSTATE, false, ROUND);
  }

  @Test
  @Order(5)
  void TestSnapshotRecoverManyClients() throws Exception {
    genericTest(
        "restarts, snapshots, many clients", 20, 5, false, true, false, MAXRAFTSTATE, false, ROUND);
  }

  @Test
  @Order(6)
  void TestSnapshotUnreliable() throws Exception {
    genericTest(
        "unreliable net, snapshots, many clients",
        5,
        5,
        true,
        false,
        false,
        MAXRAFTSTATE,
        false,
        ROUND);
  }

  @Test
  @Order(7)
  void TestSnapshotUnreliableRecover() throws Exception {
    genericTest(
        "unreliable net, restarts, snapshots, many clients",
        5,
        5,
        true,
        true,
        false,
        MAXRAFTSTATE,
        false,
        ROUND);
  }

  @Test
  @Order(8)
  void TestSnapshotUnreliableRecoverConcurrentPartition() throws Exception {
    genericTest(
        "unreliable net, restarts, partitions, snapshots, many clients",
        5,
        5,
        true,
        true,
        true,
        MAXRAFTSTATE,
        false,
        ROUND);
  }

  @Test
  @Order(9)
  void TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable() throws Exception {
    genericTest(
        "unreliable net, restarts, partitions, snapshots, random keys, many clients",
        15,
        7,
        true,
        true,
        true,
        MAXRAFTSTATE,
        true,
        ROUND);
  }
}

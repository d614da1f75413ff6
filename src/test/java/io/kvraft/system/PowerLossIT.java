package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Power cuts of real processes: three members whose data directories are {@link LazyFs} mounts, so
 * that a cut loses every byte and every directory change not yet fsynced, as a real power loss does
 * and kill -9 does not. Under the recorded load of {@link Workload}, one member, the leader, or all
 * members at once lose power and come back; no acknowledged write may be lost, no token applied
 * twice, and the history must be linearizable. {@link PowerLossMutantsIT} shows that a member
 * skipping an fsync, or acknowledging before it, fails exactly these checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PowerLossIT {
  private static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  /**
   * Small segments, so that the load rolls the log to new files (created, forced, their directory
   * forced) between cuts.
   */
  static final String SEGMENT_BYTES = "--raft.segment-bytes=65536";

  /** Power cuts per scenario: each brings members back up, which takes 20-50 s on a 2-core box. */
  private static final int ROUNDS = Scenarios.SOAK ? 8 : 2;

  private final Random random = new Random();
  private PowerLoss power;
  private KvraftCluster cluster;

  @BeforeAll
  void start() throws IOException {
    PowerLoss.assumeFuse();
    power = new PowerLoss(new KvraftCluster("power", 3, SEGMENT_BYTES));
    cluster = power.cluster;
    power.startAll();
    cluster.awaitLeader(LEADER_WAIT);
  }

  @AfterAll
  void stop() {
    if (power != null) {
      power.close();
    }
  }

  @BeforeEach
  void wholeCluster() {
    power.powerOnAll();
    cluster.awaitLeader(LEADER_WAIT);
    cluster.markLogs();
  }

  @AfterEach
  void nothingUnexpectedInTheLogs() {
    assertThat(cluster.unexpectedTrouble(Map.of()))
        .as("members' trouble (logs in %s)", cluster.logFile("x").getParent())
        .isEmpty();
  }

  @Test
  void powerCutOfOneFollower() {
    Workload w = Workload.standard(cluster, "power cut of a follower");
    w.start();
    for (int cut = 0; cut < ROUNDS; cut++) {
      KvraftCluster.sleep(1500);
      String leader = cluster.awaitLeader(LEADER_WAIT);
      String victim = otherThan(leader);
      power.cut(List.of(victim));
      KvraftCluster.sleep(500);
      String lost = power.powerOn(victim);
      cluster.awaitServing(victim);
      report(w, victim, lost);
      String now = cluster.awaitLeader(LEADER_WAIT);
      cluster.awaitApplied(victim, cluster.health(now).commitIndex(), Duration.ofSeconds(60));
    }
    finish(w);
  }

  @Test
  void powerCutOfTheLeader() {
    Workload w = Workload.standard(cluster, "power cut of the leader");
    w.start();
    for (int cut = 0; cut < ROUNDS; cut++) {
      KvraftCluster.sleep(1500);
      String leader = cluster.awaitLeader(LEADER_WAIT);
      power.cut(List.of(leader));
      String next = cluster.awaitLeader(LEADER_WAIT, Set.of(leader));
      String lost = power.powerOn(leader);
      cluster.awaitServing(leader);
      report(w, leader + " (leader; " + next + " took over)", lost);
      cluster.awaitApplied(leader, cluster.health(next).commitIndex(), Duration.ofSeconds(60));
    }
    finish(w);
  }

  @Test
  void powerCutOfAllMembersAtOnce() {
    Workload w = Workload.standard(cluster, "power cut of all members");
    w.start();
    for (int cut = 0; cut < ROUNDS; cut++) {
      KvraftCluster.sleep(2000);
      power.cut(power.ids());
      KvraftCluster.sleep(300);
      power.powerOnAll().forEach((id, lost) -> report(w, id, lost));
      cluster.awaitLeader(LEADER_WAIT);
    }
    KvraftCluster.sleep(1000);
    finish(w);
  }

  private void finish(Workload w) {
    w.stop();
    System.out.println("[" + w.scenario() + "] power cuts: " + ROUNDS);
    Scenarios.assertClean(w.finish());
  }

  private static void report(Workload w, String who, String lost) {
    System.out.println("[" + w.scenario() + "] power cut of " + who + ": the disk lost " + lost);
  }

  private String otherThan(String leader) {
    List<String> others = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
    return others.get(random.nextInt(others.size()));
  }
}

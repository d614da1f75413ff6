package io.kvraft.system;

import static io.kvraft.system.Scenarios.before;
import static io.kvraft.system.Scenarios.deadline;
import static io.kvraft.testing.TestFiles.flipBits;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.linearizability.KvOp;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fault scenarios on one three-node cluster of real processes, shared by the scenarios (each heals
 * and restarts what it broke, and uses keys of its own): kill -9 of the leader and of every node,
 * an isolated leader, a paused leader, a wiped node, and broken disks (torn tail, flipped byte,
 * missing segment).
 */
class ThreeNodeFaultsIT extends SharedClusterFaults {
  @Override
  KvraftCluster newCluster() throws IOException {
    // Small segments, so the disk scenarios find several of them within seconds.
    return new KvraftCluster("three", 3, "--raft.segment-bytes=16384");
  }

  @Test
  void leaderKilledRepeatedly() {
    Workload w = Workload.allOperations(cluster, "leader killed repeatedly");
    w.start();
    long end = deadline(Scenarios.load(15));
    int kills = 0;
    String lastVictim = null;
    while (before(end)) {
      KvraftCluster.sleep(1500);
      if (lastVictim != null) {
        cluster.awaitServing(lastVictim); // one node down at a time, so a majority always remains
      }
      String leader = cluster.awaitLeader(LEADER_WAIT);
      cluster.kill(leader);
      kills++;
      cluster.awaitLeader(LEADER_WAIT, Set.of(leader));
      cluster.spawn(leader);
      lastVictim = leader;
    }
    w.stop();
    cluster.restoreAll();
    cluster.awaitLeader(LEADER_WAIT);
    System.out.println("[leader killed repeatedly] leaders killed: " + kills);
    Scenarios.assertClean(w.finish());
  }

  @Test
  void allNodesCrashAndRestart() {
    Workload w = Workload.standard(cluster, "crash of all nodes and restart");
    w.start();
    long end = deadline(Scenarios.load(10));
    int rounds = 0;
    while (before(end)) {
      KvraftCluster.sleep(2000);
      cluster.ids().forEach(cluster::kill);
      rounds++;
      KvraftCluster.sleep(200);
      cluster.ids().forEach(cluster::spawn);
      cluster.ids().forEach(cluster::awaitServing);
      cluster.awaitLeader(LEADER_WAIT);
    }
    KvraftCluster.sleep(1000);
    w.stop();
    System.out.println("[crash of all nodes and restart] whole-cluster crashes: " + rounds);
    Scenarios.assertClean(w.finish());
  }

  @Test
  void leaderIsolatedInMinority() {
    Workload w = Workload.allOperations(cluster, "leader isolated (3 nodes)");
    w.start();
    KvraftCluster.sleep(2000);
    String old = cluster.awaitLeader(LEADER_WAIT);
    cluster.isolate(old);
    long okBefore = w.okCount();
    MinorityProbe.probe(w, cluster, List.of(old));
    String now = cluster.awaitLeader(LEADER_WAIT, Set.of(old));
    KvraftCluster.sleep(Scenarios.load(6).toMillis());
    Scenarios.awaitProgress(w, okBefore + 20, "the majority keeps serving");
    cluster.heal();
    KvraftCluster.sleep(2000);
    w.stop();
    String after = cluster.awaitLeader(LEADER_WAIT);
    cluster.awaitApplied(old, cluster.health(after).commitIndex(), Duration.ofSeconds(20));
    System.out.println("[leader isolated (3 nodes)] old leader " + old + ", new leader " + now);
    Scenarios.assertClean(w.finish());
  }

  @Test
  void pausedLeaderWakesAfterNewElection() throws Exception {
    Workload w = Workload.standard(cluster, "paused leader wakes up");
    w.start();
    int rounds = Scenarios.SOAK ? 10 : 2;
    for (int r = 0; r < rounds; r++) {
      KvraftCluster.sleep(1500);
      String old = cluster.awaitLeader(LEADER_WAIT);
      String key = "pause-" + r + "-" + System.nanoTime();
      RecordingClient writer = w.probeClient(10 + r, Duration.ofSeconds(2), Duration.ofSeconds(10));
      writer.execute(new KvOp.Put(key, "before"));
      cluster.pause(old);
      String now = cluster.awaitLeader(LEADER_WAIT, Set.of(old));
      boolean afterAcked = writer.execute(new KvOp.Put(key, "after")).known();
      if (!afterAcked) {
        System.out.println(
            "[paused leader wakes up] round "
                + r
                + ": the new leader did not confirm 'after' in time");
      }
      // Sent to the frozen leader after "after" was acknowledged: it may answer only once it knows
      // better.
      RecordingClient reader = w.probeClient(20 + r, Duration.ofSeconds(3), Duration.ofSeconds(4));
      RecordingClient staleWriter =
          w.probeClient(30 + r, Duration.ofSeconds(3), Duration.ofSeconds(4));
      CompletableFuture<RecordingClient.Outcome> read =
          CompletableFuture.supplyAsync(() -> reader.execute(new KvOp.Get(key), old));
      CompletableFuture<RecordingClient.Outcome> write =
          CompletableFuture.supplyAsync(
              () -> staleWriter.execute(new KvOp.Append(key, "+stale"), old));
      KvraftCluster.sleep(300);
      cluster.resume(old);
      RecordingClient.Outcome readOut = read.get(30, TimeUnit.SECONDS);
      RecordingClient.Outcome writeOut = write.get(30, TimeUnit.SECONDS);
      if (afterAcked && readOut.known() && !readOut.value().startsWith("after")) {
        w.anomaly(
            "woken old leader "
                + old
                + " served a stale read of "
                + key
                + ": '"
                + readOut.value()
                + "'");
      }
      System.out.println(
          "[paused leader wakes up] round "
              + r
              + ": old "
              + old
              + ", new "
              + now
              + "; read on old: "
              + (readOut.known() ? "'" + readOut.value() + "'" : "no answer")
              + ", write on old: "
              + (writeOut.known() ? "acknowledged" : "not acknowledged"));
      if (writeOut.known()) {
        // Acceptable only if it really committed (the woken node forwarded it to the new leader).
        RecordingClient.Outcome check = writer.execute(new KvOp.Get(key));
        if (!check.known() || !check.value().equals("after+stale")) {
          w.anomaly("write acknowledged by the woken leader is not in the cluster: " + check);
        }
      }
    }
    w.stop();
    Scenarios.assertClean(w.finish());
  }

  @Test
  void wipedNodeRejoinsFromEmptyDirectory() throws IOException {
    Workload w = Workload.standard(cluster, "node wiped and rejoining");
    w.start();
    KvraftCluster.sleep(3000);
    String leader = cluster.awaitLeader(LEADER_WAIT);
    String victim = follower(leader);
    cluster.kill(victim);
    cluster.wipe(victim);
    KvraftCluster.sleep(1000);
    cluster.start(victim);
    KvraftCluster.sleep(Scenarios.load(5).toMillis());
    w.stop();
    String now = cluster.awaitLeader(LEADER_WAIT);
    cluster.awaitApplied(victim, cluster.health(now).commitIndex(), Duration.ofSeconds(90));
    // The wiped node must now hold everything: with the leader gone it and the third node are the
    // majority.
    cluster.kill(now);
    cluster.awaitLeader(LEADER_WAIT, Set.of(now));
    Scenarios.assertClean(w.finish());
  }

  // ------------------------------------------------------------------ disk faults

  @Test
  void tornTailAtRandomOffsets() throws Exception {
    Workload w = Workload.standard(cluster, "torn last record");
    w.start();
    int rounds = Scenarios.SOAK ? 12 : 3;
    for (int r = 0; r < rounds; r++) {
      KvraftCluster.sleep(1500);
      String leader = cluster.awaitLeader(LEADER_WAIT);
      // Mostly followers; sometimes the leader itself.
      String victim = r % 3 == 2 ? leader : follower(leader);
      cluster.kill(victim);
      List<Path> segments = cluster.segments(victim);
      Path newest = segments.get(segments.size() - 1);
      long size = Files.size(newest);
      long cut = size == 0 ? 0 : (long) (random.nextDouble() * size);
      try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      System.out.println(
          "[torn last record] "
              + victim
              + ": "
              + newest.getFileName()
              + " cut from "
              + size
              + " to "
              + cut
              + " bytes");
      cluster.start(victim);
      String now = cluster.awaitLeader(LEADER_WAIT);
      cluster.awaitApplied(victim, cluster.health(now).commitIndex(), Duration.ofSeconds(90));
    }
    w.stop();
    Scenarios.assertClean(w.finish());
  }

  @Test
  void flippedByteMidLogRefusesToStart() throws Exception {
    Workload w = Workload.standard(cluster, "flipped byte mid-log");
    w.start();
    KvraftCluster.sleep(2000);
    String leader = cluster.awaitLeader(LEADER_WAIT);
    String victim = follower(leader);
    awaitSegments(victim, 2);
    cluster.kill(victim);
    List<Path> segments = cluster.segments(victim);
    // A sealed segment: any damage there is corruption, never a torn write.
    Path target = segments.get(random.nextInt(segments.size() - 1));
    long size = Files.size(target);
    long at = 4 + (long) (random.nextDouble() * (size - 8));
    flipBits(target, at, 0x5a);
    System.out.println(
        "[flipped byte mid-log] "
            + victim
            + ": flipped byte "
            + at
            + " of "
            + target.getFileName());
    long okBefore = w.okCount();
    expectTrouble(victim, REFUSED_START);
    cluster.spawn(victim);
    try {
      int exit = cluster.awaitExit(victim, Duration.ofSeconds(90));
      String log = cluster.log(victim);
      assertThat(exit).as("exit code of " + victim + " on a corrupt log").isNotZero();
      assertThat(log)
          .contains("Corrupt Raft storage")
          .contains("Restore this node from a healthy peer");
      Scenarios.awaitProgress(w, okBefore + 20, "the other two keep serving");
    } finally {
      // What the message says to do (and what keeps later scenarios on a whole cluster): move the
      // directory aside and start empty; the node catches up.
      moveAside(victim);
    }
    rejoinFromEmpty(w, victim);
  }

  @Test
  void missingHardStateRefusesToStart() throws Exception {
    Workload w = Workload.standard(cluster, "missing hard state");
    w.start();
    KvraftCluster.sleep(2000);
    String leader = cluster.awaitLeader(LEADER_WAIT);
    String victim = follower(leader);
    cluster.kill(victim);
    // The log stays: started without its term and vote, the member could vote twice in one term.
    Path hardState = cluster.dataDir(victim).resolve("raft").resolve("hardstate");
    Files.delete(hardState);
    System.out.println("[missing hard state] " + victim + ": deleted " + hardState);
    long okBefore = w.okCount();
    expectTrouble(victim, REFUSED_START);
    cluster.spawn(victim);
    try {
      int exit = cluster.awaitExit(victim, Duration.ofSeconds(90));
      assertThat(exit).as("exit code of " + victim + " without its hard state").isNotZero();
      assertThat(cluster.log(victim))
          .contains("kvraft refused to start: its Raft hard state file")
          .contains("vote twice")
          .contains("Restore the hard state file");
      Scenarios.awaitProgress(w, okBefore + 20, "the other two keep serving");
    } finally {
      moveAside(victim);
    }
    rejoinFromEmpty(w, victim);
  }

  @Test
  void missingSegmentRefusesToStart() throws Exception {
    Workload w = Workload.standard(cluster, "missing segment");
    w.start();
    KvraftCluster.sleep(2000);
    String leader = cluster.awaitLeader(LEADER_WAIT);
    String victim = follower(leader);
    awaitSegments(victim, 3);
    cluster.kill(victim);
    List<Path> segments = cluster.segments(victim);
    Path gone = segments.get(1 + random.nextInt(segments.size() - 2));
    Files.delete(gone);
    System.out.println("[missing segment] " + victim + ": deleted " + gone.getFileName());
    long okBefore = w.okCount();
    expectTrouble(victim, REFUSED_START);
    cluster.spawn(victim);
    try {
      int exit = cluster.awaitExit(victim, Duration.ofSeconds(90));
      assertThat(exit).isNotZero();
      assertThat(cluster.log(victim))
          .contains("Corrupt Raft storage")
          .contains("entries are missing");
      Scenarios.awaitProgress(w, okBefore + 20, "the other two keep serving");
    } finally {
      moveAside(victim);
    }
    rejoinFromEmpty(w, victim);
  }

  /**
   * After a refused start, the directory moved aside: the node starts empty, catches up, and the
   * history is clean.
   */
  private void rejoinFromEmpty(Workload w, String victim) {
    cluster.start(victim);
    KvraftCluster.sleep(2000);
    w.stop();
    String now = cluster.awaitLeader(LEADER_WAIT);
    cluster.awaitApplied(victim, cluster.health(now).commitIndex(), Duration.ofSeconds(90));
    Scenarios.assertClean(w.finish());
  }

  private String follower(String leader) {
    List<String> others = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
    return others.get(random.nextInt(others.size()));
  }

  /** Waits (under load) until the node's log spans at least {@code n} segment files. */
  private void awaitSegments(String id, int n) throws IOException {
    long end = deadline(Duration.ofSeconds(90));
    while (cluster.segments(id).size() < n && before(end)) {
      KvraftCluster.sleep(200);
    }
    assertThat(cluster.segments(id))
        .as("segments of " + id + " after 30 s of load")
        .hasSizeGreaterThanOrEqualTo(n);
  }

  private void moveAside(String id) throws IOException {
    Path dir = cluster.dataDir(id);
    Files.move(dir, dir.resolveSibling(id + ".damaged-" + System.nanoTime()));
  }
}

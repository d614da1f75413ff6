package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.ProposeResult;
import org.junit.jupiter.api.Test;

/**
 * Crash recovery from persisted state, the 6.824 2C shapes. Raft Figure 2: currentTerm, votedFor
 * and log[] are persistent and updated on stable storage before responding to RPCs. The cluster's
 * State Machine Safety check runs on every re-apply after a restart, so a committed entry forgotten
 * by a restarted node fails the test.
 */
class PersistenceTest {

  // Raft Figure 2 "Persistent state on all servers": all nodes crash and restart, and nothing is
  // lost.
  @Test
  void persist1() {
    ScenarioCluster c = new ScenarioCluster(3, 21);
    long i11 = c.one("11", 3, true);
    long[] terms = new long[3];
    for (int i = 0; i < 3; i++) {
      terms[i] = c.core(i).term();
      c.restart(i);
      assertThat(c.core(i).term()).as("term survives a crash").isEqualTo(terms[i]);
      assertThat(c.core(i).lastIndex()).as("log survives a crash").isGreaterThanOrEqualTo(i11);
    }
    for (int i = 0; i < 3; i++) {
      c.disconnect(i);
      c.connect(i);
    }
    c.one("12", 3, true);
    // every restarted state machine replays the entry committed before the crash
    assertThat(c.nCommitted(i11).count()).isEqualTo(3);
    assertThat(c.nCommitted(i11).command()).isEqualTo("11");

    int leader1 = c.checkOneLeader();
    c.disconnect(leader1);
    c.restart(leader1);
    c.connect(leader1);
    c.one("13", 3, true);

    int leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    long i14 = c.one("14", 2, true);
    c.restart(leader2);
    c.connect(leader2);
    // wait for the restarted leader2 to catch up before killing another node
    assertThat(c.waitCommitted(i14, 3)).isEqualTo("14");

    int i3 = (c.checkOneLeader() + 1) % 3;
    c.disconnect(i3);
    c.one("15", 2, true);
    c.restart(i3);
    c.connect(i3);
    c.one("16", 3, true);
  }

  // Raft §5.4.1 with persistence: repeatedly, two nodes that missed the last commit restart from
  // disk next to one that has it; only that one can be elected, and what the previous majority
  // committed must survive its restart.
  @Test
  void persist2() {
    ScenarioCluster c = new ScenarioCluster(5, 22);
    int index = 1;
    for (int iters = 0; iters < 5; iters++) {
      c.one("" + (10 + index++), 5, true);
      int leader1 = c.checkOneLeader();

      c.disconnect((leader1 + 1) % 5);
      c.disconnect((leader1 + 2) % 5);
      c.one("" + (10 + index++), 3, true);

      c.disconnect(leader1);
      c.disconnect((leader1 + 3) % 5);
      c.disconnect((leader1 + 4) % 5);

      c.restart((leader1 + 1) % 5);
      c.restart((leader1 + 2) % 5);
      c.connect((leader1 + 1) % 5);
      c.connect((leader1 + 2) % 5);
      c.runTicks(ELECTION_TIMEOUT);
      // two of five: no majority, whatever their logs
      c.checkNoLeader();

      c.restart((leader1 + 3) % 5);
      c.connect((leader1 + 3) % 5);
      c.one("" + (10 + index++), 3, true);

      c.connect((leader1 + 4) % 5);
      c.connect(leader1);
    }
    c.one("1000", 5, true);
  }

  // Raft Figure 2: a partitioned leader crashes together with a follower; a restarted majority
  // carries on.
  @Test
  void persist3() {
    ScenarioCluster c = new ScenarioCluster(3, 23);
    c.one("101", 3, true);
    int leader = c.checkOneLeader();
    c.disconnect((leader + 2) % 3);
    long i102 = c.one("102", 2, true);
    c.crash(leader);
    c.crash((leader + 1) % 3);
    c.connect((leader + 2) % 3);
    c.restart(leader);
    c.one("103", 2, true);
    c.restart((leader + 1) % 3);
    c.one("104", 3, true);
    assertThat(c.nCommitted(i102).command()).isEqualTo("102");
    assertThat(c.nCommitted(i102).count()).isEqualTo(3);
  }

  // Raft Figure 2 "respond to RPCs only after updating stable storage": a follower whose disk has
  // not synced must not be counted for commitment, and losing the unsynced write in a crash loses
  // nothing committed.
  @Test
  void acknowledgeOnlyAfterPersist() {
    ScenarioCluster c = new ScenarioCluster(3, 24);
    c.one("1", 3, true);
    int leader = c.checkOneLeader();
    int slowDisk = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    c.disconnect(other);
    c.holdSync(slowDisk, true);
    long commitBefore = c.core(leader).commitIndex();
    long index = ((ProposeResult.Accepted) c.start(leader, "2")).index();
    c.runTicks(3);
    assertThat(c.core(slowDisk).lastIndex())
        .as("follower received the entry")
        .isGreaterThanOrEqualTo(index);
    assertThat(c.core(leader).commitIndex())
        .as("leader counted a follower whose write was not durable")
        .isEqualTo(commitBefore);
    assertThat(c.durableLog(slowDisk)).hasSizeLessThan((int) index);

    c.crash(slowDisk); // the unsynced write is lost
    c.holdSync(slowDisk, false);
    c.restart(slowDisk);
    assertThat(c.core(slowDisk).lastIndex()).isLessThan(index);
    c.runUntil(
        () -> c.nCommitted(index).count() >= 2,
        5 * ELECTION_TIMEOUT,
        "entry 2 committed after restart");
    assertThat(c.nCommitted(index).command()).isEqualTo("2");
    c.connect(other);
    c.one("3", 3, true);
  }

  /**
   * Not a Raft guarantee but an operator's reality: a follower whose data directory was wiped comes
   * back with an empty log below the index it once acknowledged. The leader must notice the
   * follower's log is shorter than its recorded match and repair it from the start, not probe at
   * match + 1 forever.
   */
  @Test
  void wipedFollowerCatchesUpFromAnEmptyLog() {
    ScenarioCluster c = new ScenarioCluster(3, 77);
    c.checkOneLeader();
    long last = 0;
    for (int i = 0; i < 30; i++) {
      last = c.one("before-" + i, 3, true);
    }
    int leader = c.checkOneLeader();
    int victim = (leader + 1) % 3;
    c.wipe(victim);
    c.restart(victim);
    for (int i = 0; i < 5; i++) {
      last = c.one("after-" + i, 2, true);
    }
    long lastIndex = last;
    c.runUntil(
        () -> c.nCommitted(lastIndex).count() == 3,
        500,
        "the wiped follower applies everything again");
    assertThat(c.applied(victim)).hasSize((int) lastIndex);
  }
}

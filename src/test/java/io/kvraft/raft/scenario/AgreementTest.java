package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import io.kvraft.raft.ProposeResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Log replication and commitment, the 6.824 2B shapes. */
class AgreementTest {

  // Raft §5.3: a leader appends a command, replicates it, and once committed every node applies it
  // at that index.
  @Test
  void basicAgree() {
    ScenarioCluster c = new ScenarioCluster(3, 11);
    c.checkOneLeader();
    long expected = c.core(c.checkOneLeader()).lastIndex() + 1;
    for (int k = 1; k <= 3; k++) {
      assertThat(c.nCommitted(expected).count()).as("committed before Start()").isZero();
      long index = c.one("cmd" + k, 3, false);
      assertThat(index).as("index increments by one").isEqualTo(expected);
      expected++;
    }
  }

  // Raft §5.3: a majority is enough to commit; without one nothing commits.
  @Test
  void followerFailure() {
    ScenarioCluster c = new ScenarioCluster(3, 12);
    c.one("101", 3, false);
    int leader1 = c.checkOneLeader();
    c.disconnect((leader1 + 1) % 3);
    c.one("102", 2, false);
    c.runTicks(ELECTION_TIMEOUT);
    c.one("103", 2, false);

    int leader2 = c.checkOneLeader();
    c.disconnect((leader2 + 1) % 3);
    c.disconnect((leader2 + 2) % 3);
    ProposeResult r = c.start(leader2, "104");
    assertThat(r).as("leader rejected Start()").isInstanceOf(ProposeResult.Accepted.class);
    long index = ((ProposeResult.Accepted) r).index();
    c.runTicks(2 * ELECTION_TIMEOUT);
    assertThat(c.nCommitted(index).count()).as("committed without a majority").isZero();
  }

  // Raft §5.2/§5.3: the leader is lost, a new one carries on; with no majority, nothing commits.
  @Test
  void leaderFailure() {
    ScenarioCluster c = new ScenarioCluster(3, 13);
    c.one("101", 3, false);
    int leader1 = c.checkOneLeader();
    c.disconnect(leader1);
    c.one("102", 2, false);
    c.runTicks(ELECTION_TIMEOUT);
    c.one("103", 2, false);

    int leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    List<Long> indexes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (c.start(i, "104") instanceof ProposeResult.Accepted a) {
        indexes.add(a.index());
      }
    }
    c.runTicks(2 * ELECTION_TIMEOUT);
    for (long index : indexes) {
      Entry e = c.nCommitted(index).entry();
      assertThat(e == null ? null : new String(e.data()))
          .as("104 committed without a majority")
          .isNotEqualTo("104");
    }
  }

  // Raft §5.3 (consistency check and repair): a follower that missed entries catches up after
  // reconnecting.
  @Test
  void failAgree() {
    ScenarioCluster c = new ScenarioCluster(3, 14);
    c.one("101", 3, false);
    int leader = c.checkOneLeader();
    c.disconnect((leader + 1) % 3);
    c.one("102", 2, false);
    c.one("103", 2, false);
    c.runTicks(ELECTION_TIMEOUT);
    c.one("104", 2, false);
    c.one("105", 2, false);
    c.connect((leader + 1) % 3);
    long index = c.one("106", 3, true);
    c.runTicks(ELECTION_TIMEOUT);
    c.one("107", 3, true);
    for (int i = 0; i < 3; i++) {
      assertThat(c.applied(i)).as("node %d applied every index up to 106", i).containsKey(index);
    }
  }

  // Raft §5.3: with 3 of 5 disconnected the leader cannot commit; once they are back the cluster
  // makes progress.
  @Test
  void failNoAgree() {
    ScenarioCluster c = new ScenarioCluster(5, 15);
    c.one("10", 5, false);
    int leader = c.checkOneLeader();
    c.disconnect((leader + 1) % 5);
    c.disconnect((leader + 2) % 5);
    c.disconnect((leader + 3) % 5);
    ProposeResult r = c.start(leader, "20");
    assertThat(r).isInstanceOf(ProposeResult.Accepted.class);
    long index = ((ProposeResult.Accepted) r).index();
    c.runTicks(2 * ELECTION_TIMEOUT);
    assertThat(c.nCommitted(index).count()).as("committed without a majority").isZero();
    assertThat(c.core(leader).commitIndex()).isLessThan(index);

    c.connect((leader + 1) % 5);
    c.connect((leader + 2) % 5);
    c.connect((leader + 3) % 5);
    int leader2 = c.checkOneLeader();
    assertThat(c.start(leader2, "30")).isInstanceOf(ProposeResult.Accepted.class);
    c.one("1000", 5, true);
  }

  // Raft §5.3: proposals made together are all committed, each exactly once, in some order, with no
  // term change.
  @Test
  void concurrentStarts() {
    ScenarioCluster c = new ScenarioCluster(3, 16);
    int leader = c.checkOneLeader();
    c.settle();
    long term = c.core(leader).term();
    List<Long> indexes = new ArrayList<>();
    Set<String> sent = new HashSet<>();
    for (int k = 0; k < 20; k++) {
      String cmd = "c" + k;
      sent.add(cmd);
      ProposeResult r = c.start(leader, cmd);
      assertThat(r).isInstanceOf(ProposeResult.Accepted.class);
      indexes.add(((ProposeResult.Accepted) r).index());
    }
    assertThat(new HashSet<>(indexes)).hasSize(20);
    Set<String> got = new HashSet<>();
    for (long index : indexes) {
      got.add(c.waitCommitted(index, 3));
    }
    assertThat(got).isEqualTo(sent);
    assertThat(c.core(leader).term()).as("term changed during concurrent starts").isEqualTo(term);
  }

  // Raft §5.3/§5.4: a partitioned old leader's uncommitted entries are discarded when it rejoins.
  @Test
  void rejoin() {
    ScenarioCluster c = new ScenarioCluster(3, 17);
    c.one("101", 3, true);
    int leader1 = c.checkOneLeader();
    long oldTerm = c.core(leader1).term();
    c.disconnect(leader1);
    List<Long> stale = new ArrayList<>();
    for (String cmd : List.of("102", "103", "104")) {
      stale.add(((ProposeResult.Accepted) c.start(leader1, cmd)).index());
    }
    c.settle();

    c.one("103", 2, true);
    int leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    c.connect(leader1);
    c.one("104", 2, true);
    c.connect(leader2);
    long last = c.one("105", 3, true);

    for (int i = 0; i < 3; i++) {
      for (long index : stale) {
        assertThat(c.core(i).termAt(index))
            .as("node %d still holds the old leader's uncommitted entry at %d", i, index)
            .isNotEqualTo(oldTerm);
      }
    }
    assertThat(c.overwrites(leader1))
        .as("old leader truncated its stale tail")
        .containsExactly(stale.get(0));
    for (long index : stale) {
      assertThat(c.nCommitted(index).entry().term())
          .as("entry applied at %d comes from the partitioned leader's term", index)
          .isNotEqualTo(oldTerm);
    }
    assertThat(c.nCommitted(last).count()).isEqualTo(3);
  }
}

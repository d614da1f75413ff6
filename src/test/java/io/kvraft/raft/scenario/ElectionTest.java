package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Leader election, the 6.824 2A shapes. */
class ElectionTest {

  // Raft §5.2: a leader is elected and, while it keeps sending heartbeats, nobody starts an
  // election.
  @Test
  void initialElection() {
    ScenarioCluster c = new ScenarioCluster(3, 1);
    c.checkOneLeader();
    c.runTicks(1);
    long term1 = c.checkTerms();
    assertThat(term1).isGreaterThanOrEqualTo(1);
    c.runTicks(2 * ELECTION_TIMEOUT);
    long term2 = c.checkTerms();
    assertThat(term2).as("term changed although nothing failed").isEqualTo(term1);
    c.checkOneLeader();
  }

  // Raft §5.2 (a new leader replaces a lost one); dissertation §9.6 PreVote / §4.2.3 (a rejoining
  // node does not disrupt the leader); a candidate needs a majority, so without quorum there is no
  // leader.
  @Test
  void reElection() {
    ScenarioCluster c = new ScenarioCluster(3, 2);
    int leader1 = c.checkOneLeader();

    c.disconnect(leader1);
    int leader1b = c.checkOneLeader();
    assertThat(leader1b).isNotEqualTo(leader1);

    c.connect(leader1);
    int leader2 = c.checkOneLeader();
    long term = c.core(leader2).term();
    c.runTicks(2 * ELECTION_TIMEOUT);
    assertThat(c.checkOneLeader())
        .as("old leader rejoining disrupted the new one")
        .isEqualTo(leader2);
    assertThat(c.core(leader2).term()).isEqualTo(term);
    assertThat(c.core(leader1).role()).isEqualTo(Role.FOLLOWER);

    c.disconnect(leader2);
    c.disconnect((leader2 + 1) % 3);
    c.runTicks(2 * ELECTION_TIMEOUT);
    c.checkNoLeader();
    // CheckQuorum (§6.2): the cut-off leader itself has stepped down as well.
    assertThat(c.core(leader2).role()).isNotEqualTo(Role.LEADER);

    c.connect((leader2 + 1) % 3);
    c.checkOneLeader();
    c.connect(leader2);
    c.checkOneLeader();
  }

  // Raft §5.2 under churn: 7 nodes, 3 random ones cut off each round, a majority always elects
  // exactly one leader.
  @Test
  void manyElections() {
    ScenarioCluster c = new ScenarioCluster(7, 3);
    c.checkOneLeader();
    for (int iter = 0; iter < 10; iter++) {
      List<Integer> cut = new ArrayList<>();
      while (cut.size() < 3) {
        int i = c.random().nextInt(7);
        if (!cut.contains(i)) {
          cut.add(i);
        }
      }
      cut.forEach(c::disconnect);
      int leader = c.checkOneLeader();
      assertThat(cut).doesNotContain(leader);
      cut.forEach(c::connect);
    }
    c.checkOneLeader();
    assertThat(c.termsWithLeader()).isNotEmpty();
  }
}

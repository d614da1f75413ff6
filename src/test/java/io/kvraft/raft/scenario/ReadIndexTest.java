package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Message;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Role;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ReadIndex reads (Raft dissertation §6.4): the leader records its commit index as the read index,
 * confirms it is still leader with a round of heartbeats acknowledged by a majority, and only then
 * answers.
 */
class ReadIndexTest {

  // §6.4 step 1-3: the read index is at least the commit index when the read arrived.
  @Test
  void readOnLeaderReturnsAtLeastTheCommitIndex() {
    ScenarioCluster c = new ScenarioCluster(3, 61);
    c.one("a", 3, true);
    int leader = c.checkOneLeader();
    long commit = c.core(leader).commitIndex();
    c.requestRead(leader, 1);
    c.runUntil(() -> !c.readStates(leader).isEmpty(), ELECTION_TIMEOUT, "read answered");
    ReadState rs = c.readStates(leader).get(0);
    assertThat(rs.requestId()).isEqualTo(1);
    assertThat(rs.ok()).isTrue();
    assertThat(rs.readIndex())
        .isGreaterThanOrEqualTo(commit)
        .isLessThanOrEqualTo(c.core(leader).commitIndex());
  }

  // §6.4: "the leader must check whether it has been deposed" — a leader cut off in a minority
  // while a newer leader commits writes must never answer a read (it would be stale). With
  // CheckQuorum off the old leader keeps believing it leads, so only the heartbeat round protects
  // the read.
  @ParameterizedTest(name = "checkQuorum={0}")
  @ValueSource(booleans = {true, false})
  void readOnPartitionedOldLeaderNeverSucceeds(boolean checkQuorum) {
    RaftConfig cfg = RaftConfig.defaults().withCheckQuorum(checkQuorum);
    ScenarioCluster c =
        new ScenarioCluster(cfg, 62, Collections.nCopies(5, PersistentState.empty()));
    c.one("a", 5, true);
    int old = c.checkOneLeader();
    int buddy = (old + 1) % 5;
    c.partition(new int[] {old, buddy}, new int[] {(old + 2) % 5, (old + 3) % 5, (old + 4) % 5});
    c.requestRead(old, 7);
    c.runTicks(2 * ELECTION_TIMEOUT);
    long written = c.one("b", 3, true);
    assertThat(c.core(old).commitIndex()).isLessThan(written);
    if (c.core(old).role() == Role.LEADER) {
      c.requestRead(old, 8);
    }
    c.runTicks(5 * ELECTION_TIMEOUT);
    assertThat(c.readStates(old))
        .as("a deposed leader answered a read")
        .allSatisfy(rs -> assertThat(rs.ok()).isFalse());
    if (checkQuorum) {
      assertThat(c.readStates(old)).as("the read fails once the leader steps down").isNotEmpty();
    } else {
      assertThat(c.core(old).role()).isEqualTo(Role.LEADER);
    }
  }

  // §6.4 "followers could also offload the processing of read-only queries": the follower asks the
  // leader for a read index and gets the leader's commit index.
  @Test
  void readThroughFollowerGetsTheLeadersCommitIndex() {
    ScenarioCluster c = new ScenarioCluster(3, 63);
    c.one("a", 3, true);
    int leader = c.checkOneLeader();
    c.one("b", 3, true);
    int follower = (leader + 1) % 3;
    long requests = c.requests(Message.ReadIndexRequest.class);
    c.requestRead(follower, 5);
    c.runUntil(() -> !c.readStates(follower).isEmpty(), ELECTION_TIMEOUT, "follower read answered");
    ReadState rs = c.readStates(follower).get(0);
    assertThat(rs.requestId()).isEqualTo(5);
    assertThat(rs.ok()).isTrue();
    assertThat(rs.readIndex()).isEqualTo(c.core(leader).commitIndex());
    assertThat(c.requests(Message.ReadIndexRequest.class) - requests).isEqualTo(1);
  }

  // §6.4 batching: reads that arrive while a confirmation round is in flight share the next round,
  // so ten reads cost two heartbeat rounds, not ten.
  @Test
  void concurrentReadsShareOneHeartbeatRound() {
    ScenarioCluster c = new ScenarioCluster(5, 64);
    c.one("a", 5, true);
    int leader = c.checkOneLeader();
    c.settle();
    long commit = c.core(leader).commitIndex();
    long heartbeats = c.requests(Message.Heartbeat.class);

    c.requestRead(leader, 0); // starts round 1
    for (long id = 1; id < 10; id++) {
      c.requestRead(leader, id); // arrive during round 1: all wait for round 2
    }
    c.settle(); // no tick: only heartbeats the reads asked for go out
    List<ReadState> got = c.readStates(leader);
    assertThat(got)
        .hasSize(10)
        .allSatisfy(
            rs -> {
              assertThat(rs.ok()).isTrue();
              assertThat(rs.readIndex()).isGreaterThanOrEqualTo(commit);
            });
    assertThat(c.requests(Message.Heartbeat.class) - heartbeats)
        .as("heartbeats for 10 concurrent reads in a 5-node cluster")
        .isEqualTo(2 * 4);
  }
}

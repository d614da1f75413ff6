package io.kvraft.raft.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Message;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 6.824 TestCount shape: Raft must not flood the network. Request messages (VoteRequest,
 * AppendRequest, Heartbeat, ReadIndexRequest) are counted when sent.
 */
class RpcCountTest {

  // Raft §5.2: an election is one RequestVote round (plus the PreVote round, dissertation §9.6),
  // not a storm.
  @Test
  void electingALeaderInThreeNodesTakesFewMessages() {
    ScenarioCluster c = new ScenarioCluster(3, 41);
    c.runUntil(
        () -> {
          for (int i = 0; i < 3; i++) {
            if (c.core(i).leader() == null) {
              return false;
            }
          }
          return true;
        },
        10 * ScenarioCluster.ELECTION_TIMEOUT,
        "every node knows the leader");
    assertThat(c.requests()).as("requests to elect a leader").isPositive().isLessThanOrEqualTo(30);
    assertThat(c.messages()).as("all messages to elect a leader").isLessThanOrEqualTo(30);
    c.checkOneLeader();
  }

  // Raft §5.3: each entry costs one AppendEntries per follower, plus the heartbeats of the ticks it
  // takes.
  @Test
  void committingEntriesOneAfterAnotherIsCheap() {
    ScenarioCluster c = new ScenarioCluster(3, 42);
    int leader = c.checkOneLeader();
    c.one("warmup", 3, false);
    int n = 10;
    long before = c.requests();
    long term = c.core(leader).term();
    List<Long> indexes = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      ProposeResult r = c.start(leader, "x" + k);
      assertThat(r).isInstanceOf(ProposeResult.Accepted.class);
      indexes.add(((ProposeResult.Accepted) r).index());
      c.settle(); // each proposal goes out on its own, no batching with the next one
    }
    long last = indexes.get(n - 1);
    c.runUntil(
        () -> c.nCommitted(last).count() == 3, 5 * ScenarioCluster.ELECTION_TIMEOUT, "all applied");
    for (int k = 0; k < n; k++) {
      assertThat(c.nCommitted(indexes.get(k)).command()).isEqualTo("x" + k);
    }
    assertThat(c.core(leader).term()).as("term changed").isEqualTo(term);
    assertThat(c.requests() - before)
        .as("requests to commit %d entries", n)
        .isLessThanOrEqualTo(3L * (n + 4));
  }

  // Raft §5.2: an idle leader only sends heartbeats, one per follower per heartbeat period; nobody
  // campaigns.
  @Test
  void idleClusterSendsBoundedHeartbeats() {
    ScenarioCluster c = new ScenarioCluster(3, 43);
    int leader = c.checkOneLeader();
    c.one("x", 3, false);
    c.runTicks(5);
    long term = c.core(leader).term();
    long requests = c.requests();
    long votes = c.requests(Message.VoteRequest.class);
    long appends = c.requests(Message.AppendRequest.class);
    long heartbeats = c.requests(Message.Heartbeat.class);
    int ticks = 100;
    c.runTicks(ticks);
    int peers = 2;
    long perPeriod = (long) ticks / RaftConfig.defaults().heartbeatTicks();
    assertThat(c.requests(Message.Heartbeat.class) - heartbeats)
        .as("heartbeats over %d idle ticks", ticks)
        .isPositive()
        .isLessThanOrEqualTo(peers * perPeriod);
    assertThat(c.requests(Message.VoteRequest.class) - votes).as("votes while idle").isZero();
    assertThat(c.requests(Message.AppendRequest.class) - appends).as("appends while idle").isZero();
    assertThat(c.requests() - requests).isLessThanOrEqualTo(peers * perPeriod);
    assertThat(c.core(leader).role()).isEqualTo(Role.LEADER);
    assertThat(c.core(leader).term()).isEqualTo(term);
  }
}

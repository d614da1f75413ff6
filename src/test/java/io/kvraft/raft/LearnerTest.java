package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A learner receives the log but never campaigns and counts for no majority (commit, votes,
 * ReadIndex).
 */
class LearnerTest {
  private static final Configuration CONFIG = Configuration.of(List.of("a", "b"), List.of("l"));

  @Test
  void aLearnerReceivesAndAppliesTheLogButNeverLeads() {
    for (long seed = 0; seed < 20; seed++) {
      CoreNetwork net = new CoreNetwork(CONFIG, seed);
      net.rounds(100);
      RaftCore leader = net.leader();
      assertThat(leader.id()).isNotEqualTo("l");
      leader.propose("x".getBytes());
      net.rounds(10);
      assertThat(net.applied.get("l"))
          .as("seed %d", seed)
          .extracting(Entry::type)
          .contains(Entry.Type.COMMAND);
    }
  }

  @Test
  void aLearnerLeftAloneNeverCampaigns() {
    CoreNetwork net = new CoreNetwork(CONFIG, 3);
    net.cut("a");
    net.cut("b");
    net.rounds(500);
    assertThat(net.node("l").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.node("l").term()).isZero();
  }

  @Test
  void aLearnersAcknowledgementDoesNotCommit() {
    CoreNetwork net = new CoreNetwork(CONFIG, 5);
    net.rounds(100);
    RaftCore leader = net.leader();
    String otherVoter = leader.id().equals("a") ? "b" : "a";
    long committed = leader.commitIndex();
    net.cut(otherVoter);
    leader.propose("x".getBytes());
    net.rounds(3);
    assertThat(net.node("l").lastIndex())
        .as("the learner has the entry")
        .isEqualTo(leader.lastIndex());
    assertThat(leader.commitIndex())
        .as("but with one voter of two it is not committed")
        .isEqualTo(committed);
  }

  @Test
  void aLearnersHeartbeatRepliesDoNotConfirmAReadNorKeepALeaderInOffice() {
    CoreNetwork net = new CoreNetwork(CONFIG, 7);
    net.rounds(100);
    RaftCore leader = net.leader();
    String otherVoter = leader.id().equals("a") ? "b" : "a";
    net.cut(otherVoter);
    leader.requestRead(99);
    net.rounds(3);
    assertThat(net.reads.get(leader.id())).as("a read confirmed by the learner alone").isEmpty();
    // CheckQuorum: the learner still answers every heartbeat, yet the leader must step down.
    net.rounds(40);
    assertThat(leader.role()).isNotEqualTo(Role.LEADER);
    assertThat(net.reads.get(leader.id()))
        .as("the read fails when it steps down")
        .containsExactly(new ReadState(99, -1));
  }

  @Test
  void aLoneVoterWithALearnerConfirmsReadsByItself() {
    Configuration config = Configuration.of(List.of("a"), List.of("l"));
    CoreNetwork net = new CoreNetwork(config, 9);
    net.cut("l");
    net.rounds(50);
    RaftCore leader = net.node("a");
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    leader.requestRead(7);
    net.settle();
    assertThat(net.reads.get("a")).containsExactly(new ReadState(7, leader.commitIndex()));
  }
}

package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void threeNodesElectAndCommit() {
    CoreNetwork net = new CoreNetwork(Configuration.ofVoters(List.of("a", "b", "c")), 1);
    net.rounds(100);
    RaftCore l = net.leader();
    for (int i = 0; i < 10; i++) {
      l.propose(("x" + i).getBytes());
    }
    net.rounds(200);
    for (String id : net.nodes.keySet()) {
      assertThat(net.applied.get(id)).as(id + " " + net.node(id)).hasSize(11);
    }
    assertThat(net.leaders()).hasSize(1);
  }
}

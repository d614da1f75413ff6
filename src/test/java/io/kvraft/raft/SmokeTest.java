package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.*;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void threeNodesElectAndCommit() {
    List<String> ids = List.of("a", "b", "c");
    Map<String, RaftCore> nodes = new TreeMap<>();
    Random rnd = new Random(1);
    for (String id : ids) nodes.put(id, new RaftCore(id, ids, RaftConfig.defaults(), new Random(rnd.nextLong()), PersistentState.empty()));
    Map<String, List<Entry>> applied = new HashMap<>();
    ArrayDeque<Message> net = new ArrayDeque<>();
    for (int t = 0; t < 300; t++) {
      nodes.values().forEach(RaftCore::tick);
      if (t == 100) {
        RaftCore l = nodes.values().stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
        for (int i = 0; i < 10; i++) l.propose(("x" + i).getBytes());
      }
      boolean progress = true;
      while (progress) {
        progress = false;
        for (RaftCore n : nodes.values()) {
          while (n.hasReady()) {
            progress = true;
            Ready r = n.ready();
            net.addAll(r.messages());
            if (!r.entries().isEmpty()) {
              Entry last = r.entries().get(r.entries().size() - 1);
              n.persisted(last.index(), last.term());
            }
            net.addAll(r.messagesAfterPersist());
            applied.computeIfAbsent(n.id(), k -> new ArrayList<>()).addAll(r.committed());
          }
        }
        while (!net.isEmpty()) {
          Message m = net.poll();
          nodes.get(m.to()).step(m);
          progress = true;
        }
      }
    }
    for (String id : ids) {
      assertThat(applied.get(id)).as(id + " " + nodes.get(id)).hasSize(11);
    }
    assertThat(nodes.values().stream().filter(n -> n.role() == Role.LEADER).count()).isEqualTo(1);
  }
}
